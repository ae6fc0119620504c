export { freePort } from "./free-port.ts";
export { busyPorts, portHolder, portInUse } from "./ports.ts";
export { SERVICES, type ServiceName, type ServiceSpec } from "./services.ts";
export {
  assertPortsFree,
  FAKE_THREADS_ACCOUNTS,
  FAKE_THREADS_DEFAULT_TOKEN,
  SERVICE_NODE_OPTIONS,
  type Stack,
  type StackOptions,
  startStack,
} from "./stack.ts";
