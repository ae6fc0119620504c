import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import { buildOpenApiDocument } from "@threads-agent/contracts";
import type { FastifyInstance } from "fastify";

/**
 * GET /openapi.json, generated from the same zod schemas that validate requests, and the
 * Swagger UI at /docs serving that one document (static mode: nothing is inferred from routes).
 */
export async function registerDocs(app: FastifyInstance, version: string): Promise<void> {
  const document = buildOpenApiDocument({ version });
  app.get("/openapi.json", async () => document);
  // The plugin's types want an openapi-types Document; ours is the same JSON built by contracts.
  await app.register(swagger, { mode: "static", specification: { document: document as never } });
  await app.register(swaggerUi, {
    routePrefix: "/docs",
    staticCSP: true,
    uiConfig: { deepLinking: true, persistAuthorization: true, displayRequestDuration: true, tryItOutEnabled: true },
  });
}
