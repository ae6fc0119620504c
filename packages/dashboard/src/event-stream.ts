// Following one task's or run's Server-Sent Events. EventSource reconnects by itself and sends
// Last-Event-ID, so nothing is lost or repeated across drops; after a terminal event the server
// ends the stream and we close it so EventSource does not reconnect.
import { storedKey } from "./api.ts";
import type { IncomingEvent } from "./events.ts";

export type StreamState = "connecting…" | "live" | "reconnecting…" | "disconnected" | "live updates unsupported" | "";

export type StreamHandlers = {
  /** Each event, parsed (an unparsable message is skipped). */
  event: (event: IncomingEvent) => void;
  isTerminal: (type: string) => boolean;
  /** After the terminal event, once the stream is closed. */
  end: (event: IncomingEvent) => void;
  /** The server refused or dropped the stream for good (bad key, unknown id). */
  closed?: () => void;
  state: (state: StreamState) => void;
};

export type EventFollower = { close(): void; lastEventId: string | null };

/** EventSource cannot send headers: the key goes in the query, and `last_event_id` resumes after a retry of the entity. */
export function eventsUrl(path: string, lastEventId: string | null): string {
  const params = new URLSearchParams();
  const key = storedKey();
  if (key) params.set("access_token", key);
  if (lastEventId) params.set("last_event_id", lastEventId);
  const query = params.toString();
  return query ? `${path}?${query}` : path;
}

export function followEvents(path: string, handlers: StreamHandlers, resumeAfter: string | null = null): EventFollower {
  const follower: EventFollower = { close() {}, lastEventId: resumeAfter };
  if (typeof EventSource === "undefined") {
    handlers.state("live updates unsupported");
    return follower;
  }
  const source = new EventSource(eventsUrl(path, resumeAfter));
  let ended = false;
  let closedByUs = false;
  follower.close = () => {
    closedByUs = true;
    source.close();
  };
  handlers.state("connecting…");
  source.onopen = () => {
    if (!closedByUs) handlers.state("live");
  };
  source.onmessage = (message: MessageEvent<string>) => {
    if (closedByUs) return;
    let event: IncomingEvent;
    try {
      const parsed: unknown = JSON.parse(message.data);
      if (!parsed || typeof parsed !== "object" || typeof (parsed as { type?: unknown }).type !== "string") return;
      event = parsed as IncomingEvent;
    } catch {
      return;
    }
    if (message.lastEventId) follower.lastEventId = message.lastEventId;
    handlers.event(event);
    if (handlers.isTerminal(event.type)) {
      ended = true;
      closedByUs = true;
      source.close();
      handlers.state("");
      handlers.end(event);
    }
  };
  source.onerror = () => {
    if (closedByUs || ended) return;
    if (source.readyState === EventSource.CLOSED) {
      handlers.state("disconnected");
      handlers.closed?.();
    } else handlers.state("reconnecting…");
  };
  return follower;
}
