export { ensureDashboardBuilt } from "./dashboard-build.ts";
export {
  duplicatePublishes,
  type FakeThreads,
  type FakeThreadsContainer,
  type FakeThreadsPost,
  fakeThreads,
  threadsPostsOfTask,
} from "./fake-threads.ts";
export { type Listening, listen } from "./listen.ts";
export {
  type LlmStandIn,
  type LlmStandInOptions,
  type StandInAnswer,
  type StandInCall,
  type StandInFault,
  type StandInRequest,
  type StandInToolCall,
  type StandInToolResult,
  standInUsage,
  startLlmStandIn,
} from "./llm-stand-in.ts";
export { followSse, readSse, type SseMessage } from "./sse-client.ts";
export { type TestEnv, testEnv, uniquePrefix } from "./test-env.ts";
export { createTestRepository, GREET_FILES, type TestRepository } from "./test-repository.ts";
export { waitFor } from "./wait-for.ts";
