// The hostile-input suite: a seeded campaign of generated requests over every route of every
// service (see campaign.ts). CI sends a few thousand; `scripts/hostile` sends 30,000 and more.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CampaignResult, formatResult, runCampaign } from "./campaign.ts";
import { startTargets, type Targets } from "./targets.ts";

const REQUESTS = Number(process.env.HOSTILE_REQUESTS ?? 3000);
const SEED = Number(process.env.HOSTILE_SEED ?? 20261201);

let targets: Targets;
beforeAll(async () => {
  targets = await startTargets();
}, 60_000);
afterAll(async () => {
  await targets?.close();
});

describe("hostile input", () => {
  it("covers every route of every service", () => {
    for (const target of targets.targets) expect(target.routes.length, target.service).toBeGreaterThan(0);
    const orchestrator = targets.targets.find((t) => t.service === "orchestrator");
    const urls = orchestrator?.routes.map((r) => r.url) ?? [];
    // Read from the app: the routes of every plugin, the ops routes and the docs among them.
    expect(urls).toEqual(
      expect.arrayContaining(["/v1/tasks", "/task", "/v1/personas/:id", "/v1/runs/:id/events", "/health", "/ready", "/openapi.json"]),
    );
  });

  it(
    `answers ${REQUESTS} generated requests without a 5xx, with problem+json errors, no stack traces, and stays up`,
    async () => {
      const result: CampaignResult = await runCampaign(targets.targets, { requests: REQUESTS, seed: SEED });
      console.log(formatResult(result, SEED));
      for (const finding of result.findings.slice(0, 20)) console.log(JSON.stringify(finding));
      expect(result.requests).toBe(REQUESTS);
      expect(result.byClass["4xx"]).toBeGreaterThan(0);
      expect(result.byClass["2xx"]).toBeGreaterThan(0);
      expect(result.findings).toEqual([]);
    },
    Math.max(300_000, REQUESTS * 100),
  );
});
