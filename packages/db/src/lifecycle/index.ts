export { type Announcer, Lifecycle, type LifecycleTransaction } from "./lifecycle.ts";
export {
  activeStates,
  canTransition,
  defineMachine,
  EntityNotFound,
  IllegalTransition,
  isTerminal,
  type LifecycleEntity,
  type StateMachine,
  sourcesOf,
} from "./machine.ts";
export {
  markSent,
  type OutboxRow,
  outboxRows,
  pruneOutbox,
  runLinesForRebuild,
  settleUpTo,
  streamsWithUnsent,
  unsentRows,
} from "./outbox-store.ts";
export { RUN_LIFECYCLE } from "./run-lifecycle.ts";
export { SHIP_LIFECYCLE } from "./ship-lifecycle.ts";
export { TASK_LIFECYCLE } from "./task-lifecycle.ts";
export {
  type Announcement,
  type Change,
  type ColumnValue,
  type EventFields,
  envelopeOf,
  type Queryable,
  recordEvent,
  type StreamRef,
  type Transitioned,
  transition,
} from "./transition.ts";
export { VARIATION_LIFECYCLE } from "./variation-lifecycle.ts";
