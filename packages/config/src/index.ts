export * as env from "./env.ts";
export { ConfigError, configOrExit, loadConfig } from "./load-config.ts";
