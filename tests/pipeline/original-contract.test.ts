// The original threads-agent contract, spoken exactly as its e2e tests spoke it: `POST /task` with
// the minimal body `{persona_id, task_type}` (no trend, no pain statement), then polling
// fake-threads' bare `GET /published` list for a post whose topic contains the persona id.
// Behind it the worker publishes through the Graph API, each persona as its own account.
import { waitFor } from "@threads-agent/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Fixture, startPipeline } from "./stack-fixture.ts";

let f: Fixture;
let threadsUrl: string;
beforeAll(async () => {
  f = await startPipeline();
  threadsUrl = f.stack.urls["fake-threads"];
});
afterAll(async () => {
  await f?.stack.stop();
});

type Published = { topic: string; content: string; id: string };
const published = async () => (await (await fetch(`${threadsUrl}/published`)).json()) as Published[];

describe("the original e2e flow", () => {
  it("fake-threads answers /ping", async () => {
    expect(await (await fetch(`${threadsUrl}/ping`)).json()).toEqual({ pong: true });
  });

  it.each(["ai-jesus", "ai-elon"])(
    "POST /task {persona_id: %s, task_type} appears in /published with the hook or body",
    async (persona) => {
      const before = new Set((await published()).map((p) => p.id));
      const res = await fetch(`${f.api}/task`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ persona_id: persona, task_type: "create_post" }),
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { status: string; task_id: string };
      expect(body).toEqual({ status: "queued", task_id: expect.any(String) });

      // The original poll: the bare list, a new post whose topic names the persona.
      const post = await waitFor(
        `a post of ${persona} in /published`,
        async () => (await published()).find((p) => !before.has(p.id) && p.topic.includes(persona)) ?? null,
        45_000,
        250,
      );
      const task = (
        await f.json<{ input: string; post: { hook: string; body: string; published_id: string } }>(`/v1/tasks/${body.task_id}`)
      ).body;
      expect(post.content.includes(task.post.hook) || post.content.includes(task.post.body)).toBe(true);
      expect(post.id).toBe(task.post.published_id);
      // The persona wrote on one of its own topics.
      const topics = (await f.json<{ topics: string[] }>(`/v1/personas/${persona}`)).body.topics;
      expect(topics).toContain(task.input);
    },
  );

  it("the orchestrator's /metrics has the original's request_latency_seconds for its own phases", async () => {
    const text = await (await fetch(`${f.api}/metrics`)).text();
    for (const phase of ["accept", "enqueue"]) expect(text).toMatch(new RegExp(`request_latency_seconds_bucket\\{[^}]*phase="${phase}"`));
  });
});
