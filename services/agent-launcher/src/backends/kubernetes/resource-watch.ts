import type { KubernetesObject, Watch } from "@kubernetes/client-node";
import type { Logger } from "@threads-agent/observability";
import { apiError } from "./api-error.ts";

export type ListResult<T> = { items: T[]; metadata?: { resourceVersion?: string } };

export type ResourceWatchOptions<T> = {
  resource: string;
  /** Watch path, e.g. /apis/batch/v1/namespaces/<ns>/jobs. */
  path: string;
  labelSelector: string;
  list: (labelSelector: string) => Promise<ListResult<T>>;
  watch: Watch;
  logger: Logger;
  onChange: () => void;
  /** Counts restarts by reason ("gone" = 410 relist, "error", "closed"). */
  onRestart?: (reason: "gone" | "error" | "closed") => void;
  backoffMs?: number;
};

type WatchEnd = { kind: "gone" } | { kind: "closed" } | { kind: "error"; message: string };

/**
 * A list-then-watch cache of labelled objects, like an informer but small enough to reason about:
 * the watch resumes from the last resourceVersion when it closes or errors, and relists when the
 * API answers 410 Gone (the version is too old, whether as an HTTP status or an ERROR event).
 */
export class ResourceWatch<T extends KubernetesObject> {
  private readonly options: ResourceWatchOptions<T>;
  private readonly cache = new Map<string, T>();
  private stopped = false;
  private running: Promise<void> | null = null;
  private controller: AbortController | null = null;
  private syncedOnce = false;
  private readonly syncWaiters: (() => void)[] = [];

  constructor(options: ResourceWatchOptions<T>) {
    this.options = options;
  }

  start(): void {
    this.running ??= this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.controller?.abort();
    await this.running;
  }

  /** Resolves once the first list has filled the cache. */
  synced(): Promise<void> {
    if (this.syncedOnce) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  get(name: string): T | undefined {
    return this.cache.get(name);
  }

  values(): T[] {
    return [...this.cache.values()];
  }

  private async loop(): Promise<void> {
    const backoff = this.options.backoffMs ?? 1000;
    while (!this.stopped) {
      let resourceVersion: string;
      try {
        resourceVersion = await this.relist();
      } catch (err) {
        this.options.logger.warn({ resource: this.options.resource, err: apiError(err).message }, "list failed; retrying");
        await sleep(backoff);
        continue;
      }
      while (!this.stopped) {
        const end = await this.watchFrom(resourceVersion, (rv) => {
          resourceVersion = rv;
        });
        if (this.stopped) return;
        this.options.onRestart?.(end.kind);
        if (end.kind === "gone") {
          this.options.logger.info({ resource: this.options.resource }, "watch expired (410 Gone); relisting");
          break;
        }
        if (end.kind === "error") {
          this.options.logger.warn({ resource: this.options.resource, err: end.message }, "watch failed; resuming");
          await sleep(backoff);
        }
      }
    }
  }

  private async relist(): Promise<string> {
    const result = await this.options.list(this.options.labelSelector);
    const seen = new Set<string>();
    for (const item of result.items) {
      const name = item.metadata?.name;
      if (!name) continue;
      seen.add(name);
      this.cache.set(name, item);
    }
    for (const name of [...this.cache.keys()]) if (!seen.has(name)) this.cache.delete(name);
    if (!this.syncedOnce) {
      this.syncedOnce = true;
      for (const resolve of this.syncWaiters.splice(0)) resolve();
    }
    this.options.onChange();
    return result.metadata?.resourceVersion ?? "";
  }

  private watchFrom(resourceVersion: string, advance: (rv: string) => void): Promise<WatchEnd> {
    return new Promise((resolve) => {
      let gone = false;
      let settled = false;
      const finish = (end: WatchEnd) => {
        if (settled) return;
        settled = true;
        resolve(end);
      };
      this.options.watch
        .watch(
          this.options.path,
          { labelSelector: this.options.labelSelector, resourceVersion, allowWatchBookmarks: true, timeoutSeconds: 290 },
          (type: string, object: T & { code?: number; message?: string }) => {
            if (type === "ERROR") {
              if (object.code === 410) gone = true;
              else finish({ kind: "error", message: object.message ?? "watch ERROR event" });
              this.controller?.abort();
              return;
            }
            const rv = object.metadata?.resourceVersion;
            if (rv) advance(rv);
            if (type === "BOOKMARK") return;
            const name = object.metadata?.name;
            if (!name) return;
            if (type === "DELETED") this.cache.delete(name);
            else this.cache.set(name, object);
            this.options.onChange();
          },
          (err: unknown) => {
            if (gone) return finish({ kind: "gone" });
            // client-node ends a watch that has been silent for 30 s: routine, resume at once without a warning.
            if (!err || (err as { name?: string }).name === "TimeoutError") return finish({ kind: "closed" });
            const { code, message } = apiError(err);
            finish(code === 410 ? { kind: "gone" } : { kind: "error", message });
          },
        )
        .then(
          (controller) => {
            this.controller = controller;
            if (this.stopped || settled) controller.abort();
          },
          (err: unknown) => finish({ kind: "error", message: apiError(err).message }),
        );
    });
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
