import type { EventEntity } from "@threads-agent/contracts";

/** The entities with a status of their own. */
export type LifecycleEntity = "task" | "run" | "variation" | "ship";

/**
 * A state machine: the states, which are terminal (no process owns the entity any more and its
 * event stream ends there), and for each state the states it may move to. Terminal states may
 * still have exits, but only through an explicit user action (a retry of a failed task).
 */
export type StateMachine<S extends string> = {
  entity: LifecycleEntity;
  /** The table and its status enum type in PostgreSQL. */
  table: "tasks" | "runs" | "variations" | "run_ships";
  enumType: "task_status" | "run_status" | "variation_status" | "ship_status";
  states: readonly S[];
  terminal: readonly S[];
  transitions: { readonly [From in S]: readonly S[] };
  /** The event stream a change is announced on, and the column that holds that stream's id. */
  stream: { entity: EventEntity; idColumn: "id" | "run_id" };
  /** Columns a transition may set besides the status (a whitelist: they are spliced into SQL). */
  columns: readonly string[];
};

/** A status change the machine does not allow (or the entity was not in a state the caller expected). */
export class IllegalTransition extends Error {
  readonly code = "illegal_transition";
  readonly entity: LifecycleEntity;
  readonly id: string;
  readonly from: string;
  readonly to: string;

  constructor(entity: LifecycleEntity, id: string, from: string, to: string, detail?: string) {
    super(detail ?? `${entity} ${id} cannot go from ${from} to ${to}`);
    this.name = "IllegalTransition";
    this.entity = entity;
    this.id = id;
    this.from = from;
    this.to = to;
  }
}

/** The entity a transition names does not exist. */
export class EntityNotFound extends Error {
  readonly code = "entity_not_found";
  readonly entity: LifecycleEntity;
  readonly id: string;

  constructor(entity: LifecycleEntity, id: string) {
    super(`${entity} ${id} does not exist`);
    this.name = "EntityNotFound";
    this.entity = entity;
    this.id = id;
  }
}

export function defineMachine<S extends string>(machine: StateMachine<S>): StateMachine<S> {
  for (const from of machine.states) {
    for (const to of machine.transitions[from]) {
      if (!machine.states.includes(to)) throw new Error(`${machine.entity}: ${from} -> ${to} names an unknown state`);
    }
  }
  return machine;
}

export function canTransition<S extends string>(machine: StateMachine<S>, from: S, to: S): boolean {
  return machine.transitions[from]?.includes(to) ?? false;
}

/** The states from which `to` may be reached. */
export function sourcesOf<S extends string>(machine: StateMachine<S>, to: S): S[] {
  return machine.states.filter((from) => canTransition(machine, from, to));
}

export function isTerminal<S extends string>(machine: StateMachine<S>, state: S): boolean {
  return machine.terminal.includes(state);
}

/** The states no process has finished with yet: each has an owner and a deadline (the reconciler's). */
export function activeStates<S extends string>(machine: StateMachine<S>): S[] {
  return machine.states.filter((s) => !isTerminal(machine, s));
}
