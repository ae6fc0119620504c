export { freePort } from "./free-port.ts";
export { SERVICES, type ServiceName, type ServiceSpec } from "./services.ts";
export { type Stack, type StackOptions, startStack } from "./stack.ts";
