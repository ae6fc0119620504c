// Exactly once without idempotency keys: for each crash window of a publish (docs/threads-publishing.md),
// the task ends with exactly one thread on fake-threads and threads_publish called once. The worker
// is a real process, killed with SIGKILL at each point (by itself, FAULT_CRASH_AT, or by the test
// while fake-threads holds the publish's answer), or its answer is lost or late (fake-threads
// faults). Prints the table of (window, kills, threads published, threads_publish calls).
import { threadsPostsOfTask, waitFor } from "@threads-agent/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type Fixture, startPipeline } from "./stack-fixture.ts";

let f: Fixture;
beforeAll(async () => {
  f = await startPipeline({ WORKER_CONCURRENCY: "2" }, undefined, { "persona-runtime": { OFFLINE_STREAM_DELAY_MS: "1" } });
});
afterAll(async () => {
  await f?.stack.stop();
});

type Window = {
  window: string;
  input: string;
  /** The worker kills itself at this point of the publish (FAULT_CRASH_AT). */
  crashAt?: "container_created" | "container_committed" | "publish_answered";
  /** fake-threads does the publish and holds its answer; the test kills the worker meanwhile. */
  killWhileHeld?: boolean;
  /** A fake-threads fault on threads_publish, the worker left alone. */
  fault?: Record<string, unknown>;
};

// Inputs about different things, so no two tasks write the same text.
const WINDOWS: Window[] = [
  {
    window: "after container creation, before its id is committed",
    input: "Solar panels on every school roof",
    crashAt: "container_created",
  },
  {
    window: "after the container id is committed, before threads_publish",
    input: "Night trains across Europe",
    crashAt: "container_committed",
  },
  { window: "after threads_publish reached Threads, before its answer", input: "Bees in city gardens", killWhileHeld: true },
  { window: "after the answer, before the database write", input: "Chess engines and human intuition", crashAt: "publish_answered" },
  {
    window: "answer lost (fake-threads records the publish, drops the response)",
    input: "Mechanical keyboards for writers",
    fault: { endpoint: "publish", drop_response: true },
  },
  {
    window: "answer late (past THREADS_PUBLISH_TIMEOUT_MS)",
    input: "Cold showers and morning focus",
    fault: { endpoint: "publish", delay_ms: 6000 },
  },
];

type Row = { window: string; kills: number; published: number; publishCalls: number; status: string };
const table: Row[] = [];

async function restartWorker(env: Record<string, string> = { FAULT_CRASH_AT: "none" }) {
  if (f.stack.running("worker")) await f.stack.kill("worker");
  await f.stack.start("worker", env);
}

const postOf = (taskId: string) => f.db.post.findUnique({ where: { task_id: taskId } });

it.each(WINDOWS)(
  "$window: one thread, one threads_publish",
  async (w) => {
    let kills = 0;
    await f.threads.clearFaults();
    await restartWorker(w.crashAt ? { FAULT_CRASH_AT: w.crashAt } : { FAULT_CRASH_AT: "none" });
    if (w.fault) await f.threads.fault(w.fault);
    if (w.killWhileHeld) await f.threads.fault({ endpoint: "publish", delay_ms: 20_000 });

    const task = await f.createTask({ persona_id: "ai-jesus", input: w.input });

    if (w.crashAt) {
      await waitFor(`the worker to kill itself at ${w.crashAt}`, async () => !f.stack.running("worker"), 30_000, 25);
      kills++;
      await restartWorker();
    }
    if (w.killWhileHeld) {
      // The publish is done on Threads while its answer is held: kill the worker before it arrives.
      await waitFor(
        "the publish to be done on Threads, its answer still held",
        async () => {
          const post = await postOf(task.id);
          if (!post?.threads_container_id) return false;
          return (await f.threads.containers()).some((c) => c.id === post.threads_container_id && c.status === "PUBLISHED");
        },
        30_000,
        25,
      );
      expect((await postOf(task.id))?.published_id).toBeNull();
      await f.stack.kill("worker", "SIGKILL");
      kills++;
      await restartWorker();
    }

    const done = (await f.waitForStatus(task.id, "succeeded", 60_000)) as { post: { published_id: string; text: string } };
    const onThreads = await threadsPostsOfTask(f.db, f.threads, task.id);
    const post = await postOf(task.id);
    // Every container this post had (an orphan from a crash included) and how often threads_publish named it.
    const containers = (await f.threads.containers()).filter((c) => c.text === post?.text);
    const sameText = await f.db.post.count({ where: { text: post?.text ?? "", task_id: { not: task.id } } });
    expect(sameText, "another task wrote the same text: the counts below would mix the two").toBe(0);
    const publishCalls = containers.reduce((sum, c) => sum + c.publish_calls, 0);
    table.push({ window: w.window, kills, published: onThreads.length, publishCalls, status: "succeeded" });

    expect(onThreads.map((p) => p.id)).toEqual([done.post.published_id]);
    expect(publishCalls).toBe(1);
    expect(await f.db.post.count({ where: { task_id: task.id } })).toBe(1);
    if (w.crashAt === "container_created") expect(containers.map((c) => c.status).sort()).toEqual(["FINISHED", "PUBLISHED"]);
  },
  120_000,
);

afterAll(() => {
  const header = "| window | worker kills | threads published | threads_publish calls |";
  const lines = [
    header,
    "| --- | --- | --- | --- |",
    ...table.map((r) => `| ${r.window} | ${r.kills} | ${r.published} | ${r.publishCalls} |`),
  ];
  console.log(`exactly-once crash windows:\n${lines.join("\n")}`);
});
