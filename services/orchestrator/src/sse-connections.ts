import type { ServerResponse } from "node:http";

/**
 * Open SSE responses. They never end on their own while a task runs, so shutdown ends them
 * (EventSource then reconnects to another replica, resuming with Last-Event-ID).
 */
export class SseConnections {
  readonly open = new Set<ServerResponse>();

  track(response: ServerResponse): void {
    this.open.add(response);
    response.once("close", () => this.open.delete(response));
  }

  closeAll(): void {
    for (const response of this.open) {
      if (!response.writableEnded) response.end(": server shutting down; reconnect\n\n");
    }
    this.open.clear();
  }
}
