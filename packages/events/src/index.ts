export { EventLog, type EventLogOptions, isStreamId, type StoredEvent } from "./event-log.ts";
export { type StreamEventsOptions, streamEvents } from "./sse.ts";
