import { z } from "zod";
import { PersonaId, Uuid } from "./ids.ts";
import { ListQuery } from "./pagination.ts";
import { CreatePersona, LinkThreadsAccount, Persona, UpdatePersona } from "./personas.ts";
import { Post, PostListQuery } from "./posts.ts";
import { Problem } from "./problems.ts";
import { CreateRun, Run, RunListQuery, SelectWinner, VariationLogQuery } from "./runs.ts";
import { CreateTask, LegacyCreateTask, Task, TaskListQuery } from "./tasks.ts";

type JsonSchema = Record<string, unknown>;
type Operation = {
  method: "get" | "post" | "put" | "patch" | "delete";
  path: string;
  summary: string;
  tags: string[];
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  idempotent?: boolean;
  responses: Record<string, { description: string; schema?: z.ZodType | JsonSchema; contentType?: string }>;
};

const ref = (id: string): JsonSchema => ({ $ref: `#/components/schemas/${id}` });
const listOf = (id: string): JsonSchema => ({
  type: "object",
  required: ["items", "next_cursor"],
  properties: { items: { type: "array", items: ref(id) }, next_cursor: { type: ["string", "null"] } },
});
// Problem responses. problemJson: documented as application/problem+json. problem: documented
// under the default application/json, as these entries always have been.
// Every error answer is RFC 9457 problem+json.
const problemJson = (description: string) => ({ description, schema: ref("Problem"), contentType: "application/problem+json" });
const problems = { "400": problemJson("Invalid request (field-level `errors`)"), "401": problemJson("Missing or invalid API key") };
const notFound = { "404": problemJson("Not found") };
const conflict = { "409": problemJson("Not allowed in the current state") };
const bodyTooLarge = { "413": problemJson("Body too large") };
const notJson = { "415": problemJson("Not JSON") };
const keyInProgress = { "409": problemJson("A request with the same Idempotency-Key is still in progress") };
const keyReused = { "422": problemJson("Idempotency-Key reused with a different body") };
const sse = {
  description: "Server-Sent Events; each `data:` is one flat JSON event, `id:` resumes with Last-Event-ID",
  contentType: "text/event-stream",
  schema: { type: "string" },
};
const htmlPage = { description: "HTML page", contentType: "text/html", schema: { type: "string" } };

const idParam = z.object({ id: Uuid });
const eventsQuery = z.object({ last_event_id: z.string().optional(), access_token: z.string().optional() });

/** Extra operations (agent runs, ...) register here from their own modules before the document is built. */
export const operations: Operation[] = [
  { method: "get", path: "/health", summary: "Liveness", tags: ["ops"], responses: { "200": { description: "Alive" } } },
  {
    method: "get",
    path: "/ready",
    summary: "Readiness: Redis and the database answer",
    tags: ["ops"],
    responses: { "200": { description: "Ready" }, "503": { description: "A dependency is down; the body says which" } },
  },
  {
    method: "get",
    path: "/metrics",
    summary: "Prometheus metrics",
    tags: ["ops"],
    responses: { "200": { description: "Prometheus text format", contentType: "text/plain", schema: { type: "string" } } },
  },
  {
    method: "get",
    path: "/v1/personas",
    summary: "List personas",
    tags: ["personas"],
    query: ListQuery,
    responses: { "200": { description: "Personas", schema: listOf("Persona") }, ...problems },
  },
  {
    method: "get",
    path: "/v1/personas/{id}",
    summary: "Get a persona",
    tags: ["personas"],
    params: z.object({ id: PersonaId }),
    responses: { "200": { description: "The persona", schema: Persona }, ...problems, ...notFound },
  },
  {
    method: "post",
    path: "/v1/personas",
    summary: "Create a persona: tasks can use it at once, no deploy",
    tags: ["personas"],
    body: CreatePersona,
    idempotent: true,
    responses: {
      "201": { description: "Created; Location names it", schema: Persona },
      ...problems,
      "409": problemJson("A persona with this id exists, or a request with the same Idempotency-Key is still in progress"),
      ...bodyTooLarge,
      ...notJson,
      ...keyReused,
    },
  },
  {
    method: "patch",
    path: "/v1/personas/{id}",
    summary: "Change a persona's name, voice, prompts or models (null returns a model to the service's default)",
    tags: ["personas"],
    params: z.object({ id: PersonaId }),
    body: UpdatePersona,
    idempotent: true,
    responses: {
      "200": { description: "The persona as changed; tasks picked up from now on use it", schema: Persona },
      ...problems,
      ...notFound,
      ...keyInProgress,
      ...notJson,
      ...keyReused,
    },
  },
  {
    method: "put",
    path: "/v1/personas/{id}/threads-account",
    summary: "Link the persona to its own Threads account: the token is checked with Threads, stored encrypted, never shown again",
    tags: ["personas"],
    params: z.object({ id: PersonaId }),
    body: LinkThreadsAccount,
    responses: {
      "200": { description: "The persona with its `threads_account` (username, user id, token expiry)", schema: Persona },
      ...problems,
      ...notFound,
      ...notJson,
      "422": problemJson("Threads refused the token (`access_token`)"),
      "503": problemJson("TOKEN_ENCRYPTION_KEY is not configured, or Threads could not be reached to check the token"),
    },
  },
  {
    method: "delete",
    path: "/v1/personas/{id}/threads-account",
    summary: "Unlink the persona's Threads account: it publishes as the default account again",
    tags: ["personas"],
    params: z.object({ id: PersonaId }),
    responses: { "204": { description: "Unlinked (or there was none)" }, ...problems, ...notFound },
  },
  {
    method: "post",
    path: "/v1/tasks",
    summary: "Create a content task",
    tags: ["tasks"],
    body: CreateTask,
    idempotent: true,
    responses: {
      "202": { description: "Accepted and queued", schema: Task },
      ...problems,
      ...keyInProgress,
      ...bodyTooLarge,
      ...notJson,
      "422": problemJson("Unknown persona (`persona_id`), or Idempotency-Key reused with a different body"),
      "503": problemJson("Redis or the database is unreachable; retry later"),
    },
  },
  {
    method: "get",
    path: "/v1/tasks",
    summary: "List tasks, newest first",
    tags: ["tasks"],
    query: ListQuery.extend(TaskListQuery.shape),
    responses: { "200": { description: "Tasks", schema: listOf("Task") }, ...problems },
  },
  {
    method: "get",
    path: "/v1/tasks/{id}",
    summary: "Get a task with its post and usage",
    tags: ["tasks"],
    params: idParam,
    responses: { "200": { description: "The task", schema: Task }, ...problems, ...notFound },
  },
  {
    method: "get",
    path: "/v1/tasks/{id}/events",
    summary: "Follow a task's events (SSE)",
    tags: ["tasks"],
    params: idParam,
    query: eventsQuery,
    responses: { "200": sse, ...problems, ...notFound },
  },
  {
    method: "post",
    path: "/v1/tasks/{id}/retry",
    summary: "Re-run a failed task",
    tags: ["tasks"],
    params: idParam,
    idempotent: true,
    responses: { "202": { description: "Queued again", schema: Task }, ...problems, ...notFound, ...conflict },
  },
  {
    method: "post",
    path: "/v1/tasks/{id}/cancel",
    summary: "Cancel a queued, running or deferred task",
    tags: ["tasks"],
    params: idParam,
    idempotent: true,
    responses: {
      "200": { description: "Cancelled", schema: Task },
      "202": { description: "Cancel requested: the worker holding the task stops it and emits task.cancelled", schema: Task },
      ...problems,
      ...notFound,
      ...conflict,
    },
  },
  {
    method: "post",
    path: "/task",
    summary: "Original threads-agent API: create a task (`{persona_id, task_type}` alone: the persona picks a topic of its own)",
    tags: ["compatibility"],
    body: LegacyCreateTask,
    idempotent: true,
    responses: {
      "200": {
        description: "Queued",
        schema: { type: "object", properties: { status: { const: "queued" }, task_id: { type: "string" } } },
      },
      ...problems,
      "422": problemJson("Unknown persona (`persona_id`), or Idempotency-Key reused with a different body"),
    },
  },
  {
    method: "get",
    path: "/v1/posts",
    summary: "List published posts, newest first",
    tags: ["posts"],
    query: ListQuery.extend(PostListQuery.shape),
    responses: { "200": { description: "Posts", schema: listOf("Post") }, ...problems },
  },
  {
    method: "get",
    path: "/v1/posts/{id}",
    summary: "Get a post",
    tags: ["posts"],
    params: idParam,
    responses: { "200": { description: "The post", schema: Post }, ...problems, ...notFound },
  },
  {
    method: "post",
    path: "/v1/runs",
    summary: "Start an agent run: a prompt against a git repository as N variations",
    tags: ["runs"],
    body: CreateRun,
    idempotent: true,
    responses: {
      "202": { description: "Accepted and queued, with its variations", schema: Run },
      ...problems,
      ...bodyTooLarge,
      ...notJson,
      ...keyReused,
    },
  },
  {
    method: "get",
    path: "/v1/runs",
    summary: "List runs with their variations, newest first (variation diffs left out)",
    tags: ["runs"],
    query: ListQuery.extend(RunListQuery.shape),
    responses: { "200": { description: "Runs", schema: listOf("Run") }, ...problems },
  },
  {
    method: "get",
    path: "/v1/runs/{id}",
    summary: "Get a run: each variation's state, timings, exit code, reason, usage, summary and diff",
    tags: ["runs"],
    params: idParam,
    responses: { "200": { description: "The run", schema: Run }, ...notFound },
  },
  {
    method: "get",
    path: "/v1/runs/{id}/events",
    summary: "Follow a run's events, all variations multiplexed (SSE)",
    tags: ["runs"],
    params: idParam,
    query: eventsQuery,
    responses: { "200": sse, ...notFound },
  },
  {
    method: "get",
    path: "/v1/runs/{id}/variations/{index}/log",
    summary: "A variation's full output, stored line by line (readable after its Job is gone)",
    tags: ["runs"],
    params: z.object({ id: Uuid, index: z.coerce.number().int().min(0) }),
    query: VariationLogQuery,
    responses: { "200": { description: "Lines in order", schema: listOf("VariationLogLine") }, ...problems, ...notFound },
  },
  {
    method: "post",
    path: "/v1/runs/{id}/cancel",
    summary: "Cancel a run: deletes its Jobs / kills its processes; the run ends cancelled",
    tags: ["runs"],
    params: idParam,
    idempotent: true,
    responses: {
      "200": { description: "Cancelled", schema: Run },
      "202": { description: "Cancel requested; the run ends cancelled once its workloads are gone", schema: Run },
      ...notFound,
      ...conflict,
    },
  },
  {
    method: "post",
    path: "/v1/runs/{id}/winner",
    summary: "Mark the chosen variation",
    tags: ["runs"],
    params: idParam,
    body: SelectWinner,
    idempotent: true,
    responses: { "200": { description: "The run with its winner", schema: Run }, ...problems, ...notFound, ...conflict },
  },
  {
    method: "get",
    path: "/v1/queues",
    summary: "Queue depth per state",
    tags: ["ops"],
    responses: {
      "200": {
        description: "Counts per queue and state",
        schema: {
          type: "object",
          required: ["queues"],
          properties: {
            queues: {
              type: "array",
              items: {
                type: "object",
                required: ["name", "counts"],
                properties: { name: { type: "string" }, counts: { type: "object", additionalProperties: { type: "integer" } } },
              },
            },
          },
        },
      },
      ...problems,
    },
  },
  {
    method: "get",
    path: "/openapi.json",
    summary: "This document",
    tags: ["docs"],
    responses: { "200": { description: "OpenAPI 3.1", schema: { type: "object" } } },
  },
  {
    method: "get",
    path: "/docs",
    summary: "Interactive API documentation (Swagger UI)",
    tags: ["docs"],
    responses: { "200": htmlPage },
  },
  {
    method: "get",
    path: "/",
    summary: "Browser dashboard: submit tasks and watch them run",
    tags: ["docs"],
    responses: { "200": htmlPage },
  },
];

const toSchema = (schema: z.ZodType | JsonSchema, io: "input" | "output"): JsonSchema => {
  const id = schema instanceof z.ZodType ? z.globalRegistry.get(schema)?.id : undefined;
  if (id) return ref(id);
  if (!(schema instanceof z.ZodType)) return schema;
  // Nested registered schemas come out as local $defs; point them at the shared components instead.
  const json = z.toJSONSchema(schema, { target: "draft-2020-12", io, unrepresentable: "any", reused: "inline" }) as JsonSchema;
  delete json.$defs;
  return JSON.parse(JSON.stringify(json).replaceAll('"#/$defs/', '"#/components/schemas/')) as JsonSchema;
};

function parameters(where: "path" | "query", schema?: z.ZodObject): JsonSchema[] {
  if (!schema) return [];
  const json = toSchema(schema, "input") as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, s]) => ({
    name,
    in: where,
    required: where === "path" || (json.required ?? []).includes(name),
    schema: s,
  }));
}

/** OpenAPI 3.1, generated from the same zod schemas that validate requests. */
export function buildOpenApiDocument(info: { version: string; serverUrl?: string }): JsonSchema {
  const components = z.toJSONSchema(z.globalRegistry, {
    target: "draft-2020-12",
    unrepresentable: "any",
    uri: (id) => `#/components/schemas/${id}`,
  }).schemas as Record<string, JsonSchema>;
  for (const schema of Object.values(components)) delete schema.$schema;
  components.Problem ??= toSchema(Problem, "output");

  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    const params = [...parameters("path", op.params), ...parameters("query", op.query)];
    if (op.idempotent) {
      params.push({
        name: "Idempotency-Key",
        in: "header",
        required: false,
        description: "Retries with the same key return the first result instead of acting twice (kept 24 h)",
        schema: { type: "string", maxLength: 255 },
      });
    }
    const responses: Record<string, unknown> = {};
    for (const [code, r] of Object.entries(op.responses)) {
      responses[code] = {
        description: r.description,
        ...(r.schema ? { content: { [r.contentType ?? "application/json"]: { schema: strip(toSchema(r.schema, "output")) } } } : {}),
      };
    }
    (paths[op.path] ??= {})[op.method] = {
      summary: op.summary,
      tags: op.tags,
      operationId: operationId(op.method, op.path),
      ...(params.length ? { parameters: params } : {}),
      ...(op.body
        ? { requestBody: { required: true, content: { "application/json": { schema: strip(toSchema(op.body, "input")) } } } }
        : {}),
      responses,
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "threads-agent API",
      version: info.version,
      description:
        "Persona content pipelines and agent runs, with live progress over Server-Sent Events. Errors are RFC 9457 problem+json.",
    },
    ...(info.serverUrl ? { servers: [{ url: info.serverUrl }] } : {}),
    components: {
      schemas: components,
      securitySchemes: { apiKey: { type: "http", scheme: "bearer", description: "API key; SSE endpoints also accept ?access_token=" } },
    },
    security: [{ apiKey: [] }, {}],
    paths,
  };
}

/** `GET /v1/tasks/{id}/events` -> `getV1TasksIdEvents`; `/` -> `getRoot`; punctuation dropped. */
export function operationId(method: string, path: string): string {
  const words = path.split(/[^A-Za-z0-9]+/).filter(Boolean);
  const tail = words.length ? words.map((w) => w[0]?.toUpperCase() + w.slice(1)).join("") : "Root";
  return `${method}${tail}`;
}

function strip(schema: JsonSchema): JsonSchema {
  const { $schema: _, ...rest } = schema;
  return rest;
}
