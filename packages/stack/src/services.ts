import { existsSync } from "node:fs";
import path from "node:path";

export type ServiceName = "fake-threads" | "persona-runtime" | "worker" | "orchestrator" | "agent-launcher";

export type ServiceSpec = {
  name: ServiceName;
  /** The variable holding the port its /health answers on, and the default port. */
  portVariable: "PORT" | "METRICS_PORT";
  defaultPort: number;
  /** Started after these are healthy. */
  after: ServiceName[];
  color: number;
};

export const ROOT = path.resolve(import.meta.dirname, "../../..");

/** Every service of the embedded stack, in start order. */
export const SERVICES: ServiceSpec[] = [
  { name: "fake-threads", portVariable: "PORT", defaultPort: 9009, after: [], color: 35 },
  { name: "persona-runtime", portVariable: "PORT", defaultPort: 8081, after: [], color: 36 },
  { name: "worker", portVariable: "METRICS_PORT", defaultPort: 9100, after: ["fake-threads", "persona-runtime"], color: 33 },
  { name: "orchestrator", portVariable: "PORT", defaultPort: 8080, after: [], color: 32 },
  { name: "agent-launcher", portVariable: "METRICS_PORT", defaultPort: 9101, after: [], color: 34 },
];

export const serviceEntry = (name: ServiceName) => path.join(ROOT, "services", name, "src", "main.ts");
export const serviceExists = (name: ServiceName) => existsSync(serviceEntry(name));
