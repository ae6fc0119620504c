import { setTimeout as sleep } from "node:timers/promises";
import {
  type ContainerStatusName,
  fitsThreads,
  GraphContainer,
  GraphDebugToken,
  GraphId,
  GraphInsights,
  type GraphMedia,
  GraphMediaPage,
  GraphMedia as GraphMediaSchema,
  GraphPublishingLimit,
  GraphTokenGrant,
  GraphUser,
  THREADS_MAX_CHARS,
  THREADS_MEDIA_METRICS,
  type ThreadsMediaMetric,
  threadsLength,
} from "@threads-agent/contracts";
import type { Dispatcher } from "undici";
import { ThreadsApiError } from "./errors.ts";
import { type Call, Transport } from "./transport.ts";

export type ThreadsClientOptions = {
  /** The API root with its version: `https://graph.threads.net/v1.0`, or fake-threads' `http://127.0.0.1:9009/v1.0`. */
  apiUrl: string;
  /** The account's long-lived token, or a function giving the current one (after refreshes). */
  accessToken: string | (() => string | Promise<string>);
  /** Per-call timeout of reads and container creation (default 10 s). */
  timeoutMs?: number;
  /** Timeout of threads_publish (default 30 s): past it the outcome is unknown, so it is generous. */
  publishTimeoutMs?: number;
  /** Share one connection pool between clients (one per account, say); the client then leaves it open on close(). */
  dispatcher?: Dispatcher;
  /** Connections of the client's own pool (default 8). */
  connections?: number;
};

export type ThreadsProfile = { id: string; username: string | null; tokenExpiresAt: Date | null };
export type ContainerState = { id: string; status: ContainerStatusName; errorMessage: string | null };
export type ThreadsPost = { id: string; permalink: string | null; timestamp: Date | null; text: string | null; username: string | null };
export type ThreadsPage = { items: ThreadsPost[]; nextCursor: string | null };
export type PublishingLimit = { quotaUsage: number; quotaTotal: number; quotaDurationSeconds: number; remaining: number };
export type MediaInsights = Record<ThreadsMediaMetric, number>;
export type TokenInfo = { isValid: boolean; expiresAt: Date | null; issuedAt: Date | null; scopes: string[]; userId: string | null };
export type RefreshedToken = { accessToken: string; tokenType: string; expiresIn: number; expiresAt: Date };

const MEDIA_FIELDS = "id,permalink,timestamp,text,username";

/** Graph writes "2023-10-17T05:42:03+0000"; Date.parse wants the offset with a colon. */
export function parseGraphTimestamp(value: string | undefined): Date | null {
  if (!value) return null;
  const ms = Date.parse(value.replace(/([+-]\d\d)(\d\d)$/, "$1:$2"));
  return Number.isNaN(ms) ? null : new Date(ms);
}

const toPost = (m: GraphMedia): ThreadsPost => ({
  id: m.id,
  permalink: m.permalink ?? null,
  timestamp: parseGraphTimestamp(m.timestamp),
  text: m.text ?? null,
  username: m.username ?? null,
});

// Threads may normalise line endings and surrounding blanks; compare what a reader would see.
const sameText = (a: string, b: string) => a.replace(/\r\n?/g, "\n").trim() === b.replace(/\r\n?/g, "\n").trim();

export interface ThreadsClient {
  me(): Promise<ThreadsProfile>;
  tokenInfo(): Promise<TokenInfo>;
  createTextContainer(userId: string, text: string, extra?: { replyToId?: string }): Promise<string>;
  containerStatus(containerId: string): Promise<ContainerState>;
  waitForContainer(containerId: string, wait?: { pollMs?: number; timeoutMs?: number; signal?: AbortSignal }): Promise<ContainerState>;
  publishContainer(userId: string, creationId: string): Promise<string>;
  getMedia(mediaId: string): Promise<ThreadsPost>;
  recentThreads(userId: string, page?: { since?: Date; until?: Date; limit?: number; after?: string }): Promise<ThreadsPage>;
  findRecentThread(
    userId: string,
    match: { text: string; since: Date; maxPages?: number; skewMs?: number; exclude?: ReadonlySet<string> },
  ): Promise<ThreadsPost | null>;
  publishingLimit(userId: string): Promise<PublishingLimit>;
  mediaInsights(mediaId: string): Promise<MediaInsights>;
  followerCount(userId: string): Promise<number>;
  refreshToken(current?: string): Promise<RefreshedToken>;
  withToken(accessToken: ThreadsClientOptions["accessToken"]): ThreadsClient;
  close(): Promise<void>;
}

/**
 * A client of the Threads Graph API for one account's token, for the real API and fake-threads
 * alike. Every failure is a ThreadsApiError whose `kind` says what to do (see errors.ts); no
 * token ever appears in an error. See docs/threads-api.md for what each call does on Threads and
 * docs/threads-publishing.md for publishing each post exactly once.
 */
export function createThreadsClient(options: ThreadsClientOptions, shared?: Transport): ThreadsClient {
  const transport = shared ?? new Transport({ apiUrl: options.apiUrl, dispatcher: options.dispatcher, connections: options.connections });
  const timeoutMs = options.timeoutMs ?? 10_000;
  const publishTimeoutMs = options.publishTimeoutMs ?? 30_000;
  const token = async () => (typeof options.accessToken === "function" ? await options.accessToken() : options.accessToken);

  const call = async <T extends Parameters<Transport["call"]>[1]>(
    spec: Omit<Call, "token" | "secrets" | "timeoutMs"> & { timeoutMs?: number },
    schema: T,
  ) => {
    const current = await token();
    return transport.call({ ...spec, token: current, secrets: [current], timeoutMs: spec.timeoutMs ?? timeoutMs }, schema);
  };

  const client: ThreadsClient = {
    /** `GET /me?fields=id,username`, with the token's expiry from `debug_token` when Threads tells it. */
    async me(): Promise<ThreadsProfile> {
      const [profile, info] = await Promise.all([
        call({ method: "GET", path: "/me", endpoint: "GET /me", query: { fields: "id,username" } }, GraphUser),
        // debug_token needs a Threads tester's token on some apps; without it the expiry is just unknown.
        client.tokenInfo().catch((err: unknown) => {
          if (err instanceof ThreadsApiError && err.kind === "token") throw err;
          return null;
        }),
      ]);
      return { id: profile.id, username: profile.username ?? null, tokenExpiresAt: info?.expiresAt ?? null };
    },

    /** `GET /debug_token?input_token=`: whether the token is valid, when it expires, its scopes. */
    async tokenInfo(): Promise<TokenInfo> {
      const current = await token();
      const res = await transport.call(
        {
          method: "GET",
          path: "/debug_token",
          endpoint: "GET /debug_token",
          query: { input_token: current },
          token: current,
          secrets: [current],
          timeoutMs,
        },
        GraphDebugToken,
      );
      const d = res.data;
      return {
        isValid: d.is_valid,
        expiresAt: d.expires_at ? new Date(d.expires_at * 1000) : null,
        issuedAt: d.issued_at ? new Date(d.issued_at * 1000) : null,
        scopes: d.scopes ?? [],
        userId: d.user_id ?? null,
      };
    },

    /**
     * `POST /{user-id}/threads` with media_type=TEXT: a container for the post; returns its id.
     * Text that Threads would refuse (over 500 as it counts, emoji as their UTF-8 bytes) is refused
     * here first, without a call.
     */
    async createTextContainer(userId: string, text: string, extra: { replyToId?: string } = {}): Promise<string> {
      const endpoint = "POST /{user-id}/threads";
      if (!text.trim()) throw new ThreadsApiError({ kind: "invalid", endpoint, message: "A Threads text post needs some text." });
      if (!fitsThreads(text))
        throw new ThreadsApiError({
          kind: "invalid",
          endpoint,
          message: `The post is ${threadsLength(text)} characters as Threads counts them (emoji count as their UTF-8 bytes); the limit is ${THREADS_MAX_CHARS}. Shorten it.`,
        });
      const res = await call(
        {
          method: "POST",
          path: `/${encodeURIComponent(userId)}/threads`,
          endpoint,
          form: { media_type: "TEXT", text, reply_to_id: extra.replyToId },
        },
        GraphId,
      );
      return res.id;
    },

    /** `GET /{container-id}?fields=status,error_message`. */
    async containerStatus(containerId: string): Promise<ContainerState> {
      const res = await call(
        {
          method: "GET",
          path: `/${encodeURIComponent(containerId)}`,
          endpoint: "GET /{container-id}",
          query: { fields: "status,error_message" },
        },
        GraphContainer,
      );
      return { id: res.id, status: res.status, errorMessage: res.error_message ?? null };
    },

    /**
     * Polls the container until it is FINISHED (or already PUBLISHED: then do not publish it),
     * at most `timeoutMs`. ERROR and EXPIRED end in a ThreadsApiError of kind `invalid` with
     * Threads' error message and `container` set; still IN_PROGRESS at the deadline is kind
     * `unavailable`. Transient errors of the polls themselves are retried until the deadline.
     * Meta suggests polling once a minute for at most five for video; text is ready in seconds.
     */
    async waitForContainer(
      containerId: string,
      wait: { pollMs?: number; timeoutMs?: number; signal?: AbortSignal } = {},
    ): Promise<ContainerState> {
      const pollMs = wait.pollMs ?? 1_000;
      const deadline = Date.now() + (wait.timeoutMs ?? 60_000);
      const endpoint = "GET /{container-id}";
      let last: ContainerState | null = null;
      let lastError: ThreadsApiError | null = null;
      for (;;) {
        try {
          last = await client.containerStatus(containerId);
          lastError = null;
        } catch (err) {
          if (!(err instanceof ThreadsApiError) || !err.transient) throw err;
          lastError = err;
        }
        if (last?.status === "FINISHED" || last?.status === "PUBLISHED") return last;
        if (last?.status === "ERROR" || last?.status === "EXPIRED") {
          const why =
            last.status === "EXPIRED"
              ? "it was not published within 24 hours; create a new container (nothing was published)"
              : `processing failed${last.errorMessage ? `: ${last.errorMessage}` : ""}`;
          throw new ThreadsApiError({
            kind: "invalid",
            endpoint,
            message: `Threads cannot publish container ${containerId} (status ${last.status}): ${why}.`,
            container: { id: containerId, status: last.status, errorMessage: last.errorMessage },
          });
        }
        if (Date.now() + pollMs > deadline) {
          const still = last ? `still ${last.status}` : `not readable (${lastError?.message ?? "no answer"})`;
          throw new ThreadsApiError({
            kind: "unavailable",
            endpoint,
            message: `Container ${containerId} is ${still} after ${wait.timeoutMs ?? 60_000} ms; try again later with the same container.`,
            container: last ? { id: containerId, status: last.status, errorMessage: last.errorMessage } : null,
            ...(lastError ? { cause: lastError } : {}),
          });
        }
        await sleep(pollMs, undefined, wait.signal ? { signal: wait.signal } : undefined);
      }
    },

    /**
     * `POST /{user-id}/threads_publish` with creation_id: publishes the container, returns the
     * media id. Never call it twice for one post: a lost answer is a ThreadsApiError of kind
     * `unknown_outcome`, after which the container's status says whether it was published.
     */
    async publishContainer(userId: string, creationId: string): Promise<string> {
      const res = await call(
        {
          method: "POST",
          path: `/${encodeURIComponent(userId)}/threads_publish`,
          endpoint: "POST /{user-id}/threads_publish",
          form: { creation_id: creationId },
          timeoutMs: publishTimeoutMs,
          effectful: true,
        },
        GraphId,
      );
      return res.id;
    },

    /** `GET /{media-id}?fields=id,permalink,timestamp,text,username`. */
    async getMedia(mediaId: string): Promise<ThreadsPost> {
      const res = await call(
        { method: "GET", path: `/${encodeURIComponent(mediaId)}`, endpoint: "GET /{media-id}", query: { fields: MEDIA_FIELDS } },
        GraphMediaSchema,
      );
      return toPost(res);
    },

    /** `GET /{user-id}/threads`: one page of the account's posts, newest first (`after` = the previous page's `nextCursor`). */
    async recentThreads(userId: string, page: { since?: Date; until?: Date; limit?: number; after?: string } = {}): Promise<ThreadsPage> {
      const res = await call(
        {
          method: "GET",
          path: `/${encodeURIComponent(userId)}/threads`,
          endpoint: "GET /{user-id}/threads",
          query: {
            fields: MEDIA_FIELDS,
            limit: String(Math.min(100, Math.max(1, page.limit ?? 25))),
            since: page.since ? String(Math.floor(page.since.getTime() / 1000)) : undefined,
            until: page.until ? String(Math.ceil(page.until.getTime() / 1000)) : undefined,
            after: page.after,
          },
        },
        GraphMediaPage,
      );
      const more = res.paging?.next !== undefined && res.data.length > 0;
      return { items: res.data.map(toPost), nextCursor: more ? (res.paging?.cursors?.after ?? null) : null };
    },

    /**
     * The account's earliest post with exactly this text published at or after `since` whose id is
     * not in `exclude` (media ids other posts already hold), looking through up to `maxPages` pages
     * of 100, or null. This recovers the media id of a publish whose answer was lost once its
     * container says PUBLISHED. `since` is widened by `skewMs` (default 5 min) for clock
     * differences with Threads.
     */
    async findRecentThread(
      userId: string,
      match: { text: string; since: Date; maxPages?: number; skewMs?: number; exclude?: ReadonlySet<string> },
    ): Promise<ThreadsPost | null> {
      const since = new Date(match.since.getTime() - (match.skewMs ?? 300_000));
      let after: string | undefined;
      let earliest: ThreadsPost | null = null;
      for (let i = 0; i < (match.maxPages ?? 5); i++) {
        const page = await client.recentThreads(userId, { since, limit: 100, ...(after ? { after } : {}) });
        // Newest first: the last match seen is the earliest.
        for (const p of page.items) if (p.text !== null && sameText(p.text, match.text) && !match.exclude?.has(p.id)) earliest = p;
        if (!page.nextCursor) break;
        after = page.nextCursor;
      }
      return earliest;
    },

    /** `GET /{user-id}/threads_publishing_limit?fields=quota_usage,config`: the rolling 24 h quota. */
    async publishingLimit(userId: string): Promise<PublishingLimit> {
      const res = await call(
        {
          method: "GET",
          path: `/${encodeURIComponent(userId)}/threads_publishing_limit`,
          endpoint: "GET /{user-id}/threads_publishing_limit",
          query: { fields: "quota_usage,config" },
        },
        GraphPublishingLimit,
      );
      const row = res.data[0];
      const quotaTotal = row?.config?.quota_total ?? 250;
      const quotaUsage = row?.quota_usage ?? 0;
      return {
        quotaUsage,
        quotaTotal,
        quotaDurationSeconds: row?.config?.quota_duration ?? 86_400,
        remaining: Math.max(0, quotaTotal - quotaUsage),
      };
    },

    /** `GET /{media-id}/insights?metric=views,likes,replies,reposts,quotes,shares` (lifetime values). */
    async mediaInsights(mediaId: string): Promise<MediaInsights> {
      const res = await call(
        {
          method: "GET",
          path: `/${encodeURIComponent(mediaId)}/insights`,
          endpoint: "GET /{media-id}/insights",
          query: { metric: THREADS_MEDIA_METRICS.join(",") },
        },
        GraphInsights,
      );
      const out = Object.fromEntries(THREADS_MEDIA_METRICS.map((m) => [m, 0])) as MediaInsights;
      for (const item of res.data)
        if ((THREADS_MEDIA_METRICS as readonly string[]).includes(item.name))
          out[item.name as ThreadsMediaMetric] = item.values?.[0]?.value ?? item.total_value?.value ?? 0;
      return out;
    },

    /** `GET /{user-id}/threads_insights?metric=followers_count`. */
    async followerCount(userId: string): Promise<number> {
      const res = await call(
        {
          method: "GET",
          path: `/${encodeURIComponent(userId)}/threads_insights`,
          endpoint: "GET /{user-id}/threads_insights",
          query: { metric: "followers_count" },
        },
        GraphInsights,
      );
      const item = res.data.find((d) => d.name === "followers_count");
      const value = item?.total_value?.value ?? item?.values?.at(-1)?.value;
      if (value === undefined)
        throw new ThreadsApiError({
          kind: "unavailable",
          endpoint: "GET /{user-id}/threads_insights",
          message: "Threads answered without followers_count.",
        });
      return value;
    },

    /**
     * `GET {host}/refresh_access_token?grant_type=th_refresh_token&access_token=` (on the host root,
     * without the version): a new long-lived token, valid 60 days. Threads refreshes only tokens
     * at least 24 h old and not yet expired. Defaults to this client's token.
     */
    async refreshToken(current?: string): Promise<RefreshedToken> {
      const value = current ?? (await token());
      const res = await transport.call(
        {
          method: "GET",
          root: true,
          path: "/refresh_access_token",
          endpoint: "GET /refresh_access_token",
          query: { grant_type: "th_refresh_token", access_token: value },
          token: null,
          secrets: [value],
          timeoutMs,
        },
        GraphTokenGrant,
      );
      return {
        accessToken: res.access_token,
        tokenType: res.token_type,
        expiresIn: res.expires_in,
        expiresAt: new Date(Date.now() + res.expires_in * 1000),
      };
    },

    /** The same client for another token (another account, or a refreshed token), on the same connections. */
    withToken(accessToken: ThreadsClientOptions["accessToken"]): ThreadsClient {
      return createThreadsClient({ ...options, accessToken }, transport);
    },

    /** Closes the connection pool this client opened (not a shared `dispatcher`, not a parent's). */
    async close(): Promise<void> {
      if (!shared) await transport.close();
    },
  };
  return client;
}
