import "./messages.ts";

export * from "./agent-verification.ts";
export * from "./events.ts";
export * from "./hook-styles.ts";
export * from "./ids.ts";
export * from "./pagination.ts";
export * from "./persona-runtime.ts";
export * from "./personas.ts";
export * from "./posts.ts";
export * from "./problems.ts";
export * from "./queues.ts";
export * from "./runs.ts";
export * from "./tasks.ts";
export * from "./threads.ts";
export * from "./threads-graph.ts";
export * from "./threads-text.ts";
