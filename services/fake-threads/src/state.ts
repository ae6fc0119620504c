import { type Logger, type Metrics, startAtZero } from "@threads-agent/observability";
import { type Account, AccountRegistry } from "./accounts.ts";
import { CommentStore } from "./comments.ts";
import { type Config, DEV_ACCESS_TOKEN } from "./config.ts";
import { ContainerStore } from "./containers.ts";
import { type EngagedPost, followersCount, mediaMetrics } from "./engagement.ts";
import { FAULT_ENDPOINTS, FaultInjector } from "./faults.ts";
import { IdSequence } from "./ids.ts";
import { type Post, PostStore } from "./post-store.ts";

export type StateConfig = Pick<
  Config,
  | "THREADS_ACCESS_TOKEN"
  | "THREADS_USERNAME"
  | "THREADS_ACCOUNTS"
  | "FAULT_INJECTION"
  | "CONTAINER_READY_MS"
  | "CONTAINER_EXPIRY_MS"
  | "PUBLISH_QUOTA"
  | "TOKEN_LIFETIME_S"
  | "BEST_HOOK_STYLES"
  | "PERMALINK_ROOT"
  | "MAX_POSTS"
>;

/** Everything fake-threads knows, shared by the Graph routes, the original routes and the test-only ones. */
export type ThreadsState = ReturnType<typeof createState>;

export function createState(deps: { config: StateConfig; logger: Logger; metrics: Metrics; now?: () => number }) {
  const { config } = deps;
  const base = deps.now ?? Date.now;
  // Test-only clock (POST /_clock): an offset on top of the injected clock, and a speed (an
  // accelerated clock: at 3600, an hour of posts' lives passes every real second).
  let offsetMs = 0;
  let speed = 1;
  let speedSince = base();
  const now = () => {
    const real = base();
    return real + offsetMs + (speed - 1) * (real - speedSince);
  };

  const ids = new IdSequence(now);
  const accounts = new AccountRegistry({ now, tokenLifetimeSeconds: config.TOKEN_LIFETIME_S });
  const posts = new PostStore({ maxPosts: config.MAX_POSTS, now, ids });
  const containers = new ContainerStore({
    now,
    ids,
    readyMs: config.CONTAINER_READY_MS,
    expiryMs: config.CONTAINER_EXPIRY_MS,
    max: config.MAX_POSTS * 2,
  });
  const comments = new CommentStore({ now, maxPosts: config.MAX_POSTS });
  const faults = new FaultInjector();

  const seed = (username: string, token: string): Account => {
    const bestStyle = config.BEST_HOOK_STYLES.get(username);
    const account = accounts.create({ username, ...(bestStyle ? { bestStyle } : {}) });
    accounts.issue(account.id, { value: token });
    return account;
  };
  const defaultAccount = seed(config.THREADS_USERNAME, config.THREADS_ACCESS_TOKEN ?? DEV_ACCESS_TOKEN);
  for (const extra of config.THREADS_ACCOUNTS) seed(extra.username, extra.token);

  const engagedPost = (post: Post): EngagedPost => ({ id: post.id, text: post.text, publishedAt: post.publishedAt });
  const accountOf = (post: Post): Account => accounts.get(post.accountId) ?? defaultAccount;

  const counters = {
    containers: deps.metrics.counter("threads_containers_created_total", "Media containers created through the Graph API"),
    published: deps.metrics.counter("threads_published_total", "Posts published, by API", ["api"]),
    injected: deps.metrics.counter("threads_injected_faults_total", "Calls failed or cut on purpose through /_faults", ["endpoint"]),
    tokenRejections: deps.metrics.counter("threads_token_rejections_total", "Graph calls refused for their access token", ["reason"]),
  };
  // Every label value is known: each series starts at 0, so its first event shows in rate().
  startAtZero(counters.published, { api: ["graph", "original", "publish"] });
  startAtZero(counters.injected, { endpoint: FAULT_ENDPOINTS });
  startAtZero(counters.tokenRejections, { reason: ["missing", "invalid", "expired", "revoked"] });

  return {
    config,
    logger: deps.logger,
    now,
    advanceClock(ms: number) {
      offsetMs += ms;
    },
    /** From now on the clock runs `factor` times as fast as the real one (1: normal). */
    setClockSpeed(factor: number) {
      const real = base();
      offsetMs += (speed - 1) * (real - speedSince);
      speedSince = real;
      speed = factor;
    },
    get clockSpeed() {
      return speed;
    },
    get clockOffsetMs() {
      return now() - base();
    },
    accounts,
    posts,
    containers,
    comments,
    faults,
    defaultAccount,
    counters,
    accountOf,
    /** The account an original `POST /publish {topic}` lands on: the account named by the topic, if there is one. */
    accountForTopic(topic: string | null | undefined): Account {
      return (topic ? accounts.byUsername(topic) : undefined) ?? defaultAccount;
    },
    metricsOf(post: Post) {
      return mediaMetrics(engagedPost(post), accountOf(post), now());
    },
    followersOf(account: Account): number {
      return followersCount(account, accountPosts(account), now());
    },
    permalinkOf(post: Post): string {
      return `${config.PERMALINK_ROOT.replace(/\/$/, "")}/@${accountOf(post).username}/post/${post.shortcode}`;
    },
  };

  function* accountPosts(account: Account): Iterable<EngagedPost> {
    for (const post of posts.ofAccount(account.id)) yield engagedPost(post);
  }
}
