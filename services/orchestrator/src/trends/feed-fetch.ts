import { type LookupAddress, lookup } from "node:dns";
import { isIP } from "node:net";
import { isPublicAddress, publicHostProblem } from "@threads-agent/contracts";
import { Agent, request } from "undici";

/** How feeds may be fetched: the public-address policy of agent-run repository URLs, plus bounds. */
export type FeedPolicy = {
  /** Loopback and private addresses allowed (tests, local development): ALLOW_PRIVATE_FEEDS. */
  allowPrivate: boolean;
  maxBytes: number;
  timeoutMs: number;
  maxRedirects: number;
};

/** The URL (or where it redirects, or what its name resolves to) is not allowed. */
export class FeedRefused extends Error {
  readonly code = "feed_refused";
}

/** The feed could not be read (network, HTTP status, too large, too slow). */
export class FeedUnavailable extends Error {
  readonly code = "feed_unavailable";
}

export type FeedUrlCheck = { ok: true; url: URL } | { ok: false; message: string };

/** The static half of the policy: http(s), no credentials, a public host (unless private feeds are allowed). */
export function checkFeedUrl(raw: string, policy: Pick<FeedPolicy, "allowPrivate">): FeedUrlCheck {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return { ok: false, message: "expected an http:// or https:// URL" };
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return { ok: false, message: `unsupported scheme ${url.protocol.replace(/:$/, "")}; feeds are fetched over http or https` };
  }
  if (url.username || url.password) return { ok: false, message: "must not contain credentials" };
  if (!policy.allowPrivate) {
    const problem = publicHostProblem(url.hostname);
    if (problem) return { ok: false, message: `${problem} (private feeds are off: ALLOW_PRIVATE_FEEDS)` };
  }
  url.hash = "";
  return { ok: true, url };
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * The dynamic half: the connection's own DNS lookup refuses a name with any non-public address,
 * so the address checked is the address connected to (no rebinding between a check and the fetch).
 */
export function publicLookup(allowPrivate: boolean) {
  return (hostname: string, options: { all?: boolean; family?: number }, callback: LookupCallback) => {
    lookup(hostname, { all: true, ...(options.family ? { family: options.family } : {}) }, (err, addresses) => {
      if (err) return callback(err, []);
      const blocked = allowPrivate ? undefined : addresses.find((a) => !isPublicAddress(a.address));
      if (blocked) {
        const refused = new FeedRefused(
          `${hostname} resolves to ${blocked.address}, a private or internal address (ALLOW_PRIVATE_FEEDS is off)`,
        );
        return callback(refused as NodeJS.ErrnoException, []);
      }
      if (options.all) return callback(null, addresses);
      const first = addresses[0];
      if (!first) return callback(Object.assign(new Error(`${hostname} has no addresses`), { code: "ENOTFOUND" }), []);
      callback(null, first.address, first.family);
    });
  };
}

export type FeedFetcher = {
  /** The feed's text; follows redirects (each checked again), at most maxBytes, within timeoutMs. */
  fetch(url: string, signal?: AbortSignal): Promise<string>;
  close(): Promise<void>;
};

const ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1";

export function createFeedFetcher(policy: FeedPolicy): FeedFetcher {
  const agent = new Agent({
    connect: { lookup: publicLookup(policy.allowPrivate) as never, timeout: policy.timeoutMs },
    headersTimeout: policy.timeoutMs,
    bodyTimeout: policy.timeoutMs,
    connections: 8,
  });
  return {
    async fetch(raw, signal) {
      const deadline = AbortSignal.timeout(policy.timeoutMs);
      const combined = signal ? AbortSignal.any([signal, deadline]) : deadline;
      let target = raw;
      for (let hop = 0; ; hop++) {
        const check = checkFeedUrl(target, policy);
        if (!check.ok) throw new FeedRefused(hop === 0 ? check.message : `redirected to ${target}: ${check.message}`);
        let response: Awaited<ReturnType<typeof request>>;
        try {
          response = await request(check.url, {
            dispatcher: agent,
            method: "GET",
            headers: { accept: ACCEPT, "user-agent": "threads-agent trend poller" },
            signal: combined,
          });
        } catch (err) {
          const cause = (err as { cause?: unknown }).cause;
          if (err instanceof FeedRefused) throw err;
          if (cause instanceof FeedRefused) throw cause;
          if (deadline.aborted) throw new FeedUnavailable(`no answer within ${policy.timeoutMs} ms`);
          throw new FeedUnavailable(`cannot fetch ${check.url.host}: ${(err as Error).message}`);
        }
        const { statusCode, headers, body } = response;
        if (statusCode >= 300 && statusCode < 400 && headers.location) {
          await body.dump();
          if (hop >= policy.maxRedirects) throw new FeedUnavailable(`more than ${policy.maxRedirects} redirects`);
          target = new URL(String(headers.location), check.url).toString();
          continue;
        }
        if (statusCode !== 200) {
          await body.dump();
          throw new FeedUnavailable(`the feed answered HTTP ${statusCode}`);
        }
        const declared = Number(headers["content-length"] ?? 0);
        if (declared > policy.maxBytes) {
          await body.dump();
          throw new FeedUnavailable(`the feed is ${declared} bytes; at most ${policy.maxBytes} are read`);
        }
        const chunks: Buffer[] = [];
        let size = 0;
        try {
          for await (const chunk of body) {
            size += (chunk as Buffer).length;
            if (size > policy.maxBytes) {
              body.destroy();
              throw new FeedUnavailable(`the feed is larger than ${policy.maxBytes} bytes`);
            }
            chunks.push(chunk as Buffer);
          }
        } catch (err) {
          if (err instanceof FeedUnavailable) throw err;
          throw new FeedUnavailable(deadline.aborted ? `no complete answer within ${policy.timeoutMs} ms` : (err as Error).message);
        }
        return Buffer.concat(chunks).toString("utf8");
      }
    },
    close: () => agent.close(),
  };
}

/** Resolves a feed's host now, for a clear answer when a source is added (the fetch checks again). */
export async function resolvedProblem(url: URL, allowPrivate: boolean): Promise<string | null> {
  if (allowPrivate) return null;
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (isIP(host)) return null;
  const addresses = await new Promise<LookupAddress[] | null>((resolve) =>
    lookup(host, { all: true }, (err, found) => resolve(err ? null : found)),
  );
  // Unresolvable now: the polls will say so (a feed's DNS may come back).
  if (!addresses) return null;
  const blocked = addresses.find((a) => !isPublicAddress(a.address));
  return blocked
    ? `host ${host} resolves to ${blocked.address}, a private or internal address (private feeds are off: ALLOW_PRIVATE_FEEDS)`
    : null;
}
