export { freePort } from "./free-port.ts";
export { SERVICES, type ServiceName, type ServiceSpec } from "./services.ts";
export { FAKE_THREADS_ACCOUNTS, FAKE_THREADS_DEFAULT_TOKEN, type Stack, type StackOptions, startStack } from "./stack.ts";
