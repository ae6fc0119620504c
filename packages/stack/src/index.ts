export { type ServiceName, SERVICES, type ServiceSpec } from "./services.ts";
export { freePort } from "./free-port.ts";
export { type Stack, type StackOptions, startStack } from "./stack.ts";
