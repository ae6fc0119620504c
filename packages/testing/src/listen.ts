import type { FastifyInstance } from "fastify";

export type Listening = { url: string; port: number; close: () => Promise<void> };

/** Starts a built Fastify app on a free loopback port. */
export async function listen(app: FastifyInstance): Promise<Listening> {
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, port, close: () => app.close() };
}
