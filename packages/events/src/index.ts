export { compareStreamIds, EventLog, type EventLogOptions, isStreamId, type StoredEvent } from "./event-log.ts";
export { type LuaScript, runScript } from "./lua-script.ts";
export { OutboxRelay, type OutboxRelayOptions } from "./outbox-relay.ts";
export { type StreamEventsOptions, streamEvents } from "./sse.ts";
export { type HistoryItem, mergeRunHistory, withStreamIds } from "./stream-history.ts";
export { type HubBatch, type HubSubscription, StreamHub, type StreamHubOptions } from "./stream-hub.ts";
