// Which mode a variation runs in, and what the model is told about the repository up front (it
// reads the rest itself through the tools, see model-agent/).
import { DEFAULT_MODELS, isUsableKey, parseModelId } from "@threads-agent/llm";
import { AgentError } from "./agent-error.ts";
import type { ProjectFacts } from "./analysis/project.ts";

export type { AgentModel } from "./model-agent/tool-loop.ts";

export type AgentModelMode = { mode: "model"; model: string } | { mode: "offline"; why: string };

/**
 * Which mode this variation runs in. A model is used only when its provider has a usable key and
 * a provider configured; otherwise the deterministic offline analysis runs and the
 * first output line says why.
 */
export function chooseMode(
  requested: string | undefined,
  keys: { openai?: string | undefined; anthropic?: string | undefined },
  available: ReadonlySet<string>,
): AgentModelMode {
  const usable = { openai: isUsableKey(keys.openai), anthropic: isUsableKey(keys.anthropic) };
  let model = requested;
  if (!model) {
    if (usable.openai) model = DEFAULT_MODELS.openai;
    else if (usable.anthropic) model = DEFAULT_MODELS.anthropic;
    else return { mode: "offline", why: "no OPENAI_API_KEY or ANTHROPIC_API_KEY set" };
  }
  let provider: string;
  try {
    const ref = parseModelId(model);
    provider = ref.provider;
    model = ref.id;
  } catch (err) {
    throw new AgentError("bad_model", (err as Error).message, 2);
  }
  if (provider === "offline") return { mode: "offline", why: `model ${model} asked for the offline analysis` };
  if (!usable[provider as "openai" | "anthropic"]) return { mode: "offline", why: `no ${provider} key configured for ${model}` };
  if (!available.has(provider)) return { mode: "offline", why: `no ${provider} provider is configured` };
  return { mode: "model", model };
}

/** The model's first look at the repository: layout, languages, commands, markers and the README's start. */
export function repositorySummary(facts: ProjectFacts): string {
  const readme = ["README.md", "readme.md"].map((p) => facts.text(p)).find((t) => t !== null);
  return [
    `Repository: ${facts.name} (${facts.walk.files.length} files${facts.walk.truncated ? ", truncated" : ""})`,
    `Languages: ${facts.languages.map((l) => `${l.language} ${l.lines} lines`).join(", ") || "none detected"}`,
    `Commands: ${JSON.stringify(facts.commands)}`,
    "Layout:",
    ...facts.outline.map((l) => `  ${l}`),
    `Files${facts.walk.files.length > 200 ? " (the first 200)" : ""}:`,
    ...facts.walk.files.slice(0, 200).map((f) => `  ${f.path}`),
    `TODO markers (${facts.todos.length}):`,
    ...facts.todos.slice(0, 30).map((t) => `  ${t.path}:${t.line} ${t.tag} ${t.text}`),
    ...(readme
      ? [
          "README (first 60 lines):",
          ...readme
            .split("\n")
            .slice(0, 60)
            .map((l) => `  ${l}`),
        ]
      : []),
  ].join("\n");
}
