// A closed-loop HTTP load generator: `connections` clients on keep-alive connections (an undici
// Pool), each sending its next request when the previous answer is read, for `seconds`. The same
// generator drives every target of a benchmark, in the same run.
import { Pool } from "undici";

export type LoadResult = { requests: number; seconds: number; perSecond: number; latencies: number[]; statuses: Record<number, number> };

export async function closedLoop(options: {
  url: string;
  connections: number;
  seconds?: number;
  /** Stop after this many requests in all (whichever comes first with `seconds`). */
  maxRequests?: number;
  request: () => { method: "GET" | "POST"; path: string; body?: string; headers?: Record<string, string> };
}): Promise<LoadResult> {
  const origin = new URL(options.url).origin;
  const pool = new Pool(origin, { connections: options.connections, pipelining: 1, keepAliveTimeout: 60_000 });
  const latencies: number[] = [];
  const statuses: Record<number, number> = {};
  const deadline = performance.now() + (options.seconds ?? 10) * 1000;
  const max = options.maxRequests ?? Number.POSITIVE_INFINITY;
  let sent = 0;
  const t0 = performance.now();
  try {
    await Promise.all(
      Array.from({ length: options.connections }, async () => {
        while (performance.now() < deadline && sent < max) {
          sent++;
          const { method, path, body, headers } = options.request();
          const start = performance.now();
          const res = await pool.request({ method, path, body, headers });
          await res.body.dump();
          latencies.push(performance.now() - start);
          statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
        }
      }),
    );
  } finally {
    await pool.close();
  }
  const seconds = (performance.now() - t0) / 1000;
  return { requests: latencies.length, seconds, perSecond: latencies.length / seconds, latencies, statuses };
}
