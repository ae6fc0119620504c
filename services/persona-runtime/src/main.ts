import { Writable } from "node:stream";
import { configOrExit } from "@threads-agent/config";
import { scrubSecrets } from "@threads-agent/llm";
import { onShutdown, startTelemetry } from "@threads-agent/observability";
import { buildApp } from "./app.ts";
import { loadServiceConfig } from "./config.ts";
import { buildLlm } from "./llm.ts";

// A bad environment prints every problem and exits 78 (EX_CONFIG) rather than a stack trace.
const config = configOrExit(() => loadServiceConfig());

// The shared logger masks key-shaped text (sk-…, Bearer …); keys of other shapes (proxies,
// gateways) are masked here by value, as a last line of defence for every line this process writes.
const secrets = [config.OPENAI_API_KEY, config.ANTHROPIC_API_KEY].filter((k): k is string => typeof k === "string" && k.length >= 6);
const destination = secrets.length
  ? new Writable({
      write(chunk, _encoding, done) {
        process.stdout.write(scrubSecrets(chunk.toString(), secrets), done);
      },
    })
  : process.stdout;

const { logger, tracing, metrics } = await startTelemetry("persona-runtime", config, { destination });
const llm = buildLlm(config, { logger, metrics });

let accepting = true;
const app = buildApp({
  config,
  logger,
  metrics,
  llm: llm.router,
  models: llm.models,
  moderator: llm.moderator,
  accepting: () => accepting,
});

onShutdown(logger, config.SHUTDOWN_GRACE_MS, async () => {
  // Fail /ready first so the load balancer stops sending work; close() then waits for streams in flight.
  accepting = false;
  await app.close();
  await tracing.shutdown();
});

await app.listen({ host: config.HOST, port: config.PORT });
logger.info({ host: config.HOST, port: config.PORT, llm: llm.summary }, "persona-runtime listening");
