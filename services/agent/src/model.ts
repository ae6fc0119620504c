// The with-keys mode: the model reads a summary of the repository and writes a plan and a patch.
// The call goes through @threads-agent/llm's router, which prices it and names who served it.
import type { LlmCallRecord, Usage } from "@threads-agent/contracts";
import { DEFAULT_MODELS, isUsableKey, type LlmRouter, parseModelId, toCallRecord } from "@threads-agent/llm";
import { AgentError } from "./agent-error.ts";
import type { ProjectFacts } from "./analysis/project.ts";
import type { Emitter } from "./emitter.ts";

/** The one thing the agent needs of the LLM layer; tests hand in a stand-in. */
export type AgentModel = Pick<LlmRouter, "complete">;

export type ModelChoice = { mode: "model"; model: string } | { mode: "offline"; why: string };

/**
 * Which mode this variation runs in. A model is used only when its provider has a usable key and
 * a provider configured; otherwise the deterministic offline analysis runs and the
 * first output line says why.
 */
export function chooseMode(
  requested: string | undefined,
  keys: { openai?: string | undefined; anthropic?: string | undefined },
  available: ReadonlySet<string>,
): ModelChoice {
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

const SYSTEM = [
  "You are a careful senior engineer working in an unfamiliar repository.",
  "You get a summary of the repository and a request. Answer with:",
  "1. A plan of 3 to 6 short bullet points.",
  "2. Exactly one unified diff, in a ```diff fenced block, that applies with `git apply` at the repository root.",
  "Change as little as the request needs. Never touch secrets, CI credentials or lock files.",
].join("\n");

export function repositorySummary(facts: ProjectFacts): string {
  const readme = ["README.md", "readme.md"].map((p) => facts.text(p)).find((t) => t !== null);
  return [
    `Repository: ${facts.name} (${facts.walk.files.length} files${facts.walk.truncated ? ", truncated" : ""})`,
    `Languages: ${facts.languages.map((l) => `${l.language} ${l.lines} lines`).join(", ") || "none detected"}`,
    `Commands: ${JSON.stringify(facts.commands)}`,
    "Layout:",
    ...facts.outline.map((l) => `  ${l}`),
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

/** The plan is everything before the diff block; the diff is the block's content. */
export function splitAnswer(text: string): { plan: string; diff: string | null } {
  const match = /```(?:diff|patch)[^\n]*\n([\s\S]*?)```/.exec(text);
  if (!match) return { plan: text.trim(), diff: null };
  const diff = (match[1] as string).replace(/\n?$/, "\n");
  return { plan: text.slice(0, match.index).trim(), diff };
}

export type ModelProposal = { summary: string; diff: string; model: string; usage: Usage; calls: LlmCallRecord[] };

/** One model call, its thinking streamed line by line as `thought` events while it arrives. */
export async function proposeWithModel(options: {
  model: AgentModel;
  modelId: string;
  facts: ProjectFacts;
  prompt: string;
  temperature: number;
  emit: Emitter;
  signal?: AbortSignal;
}): Promise<ModelProposal> {
  let pending = "";
  let inDiff = false;
  const streamed: Promise<void>[] = [];
  const onDelta = (text: string) => {
    pending += text;
    let newline = pending.indexOf("\n");
    while (newline >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      if (line.startsWith("```")) inDiff = !inDiff;
      // The diff is printed as log lines once it is checked; while streaming only the plan shows.
      else if (!inDiff && line.trim()) streamed.push(options.emit.thought(line));
      newline = pending.indexOf("\n");
    }
  };
  let completion: Awaited<ReturnType<AgentModel["complete"]>>;
  try {
    completion = await options.model.complete({
      model: options.modelId,
      system: SYSTEM,
      prompt: `${repositorySummary(options.facts)}\n\nRequest: ${options.prompt}`,
      temperature: options.temperature,
      maxTokens: 4000,
      timeoutMs: 180_000,
      onDelta,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (err) {
    const code = (err as { code?: string }).code ?? "model_failed";
    throw new AgentError(`model_${code}`, `the model call failed: ${(err as Error).message}`);
  }
  await Promise.all(streamed);
  const { plan, diff } = splitAnswer(completion.text);
  if (!diff) throw new AgentError("no_patch", `${completion.model} answered without a diff block; try again or rephrase the request`);
  const call = toCallRecord("agent", completion);
  return {
    summary: plan.split("\n").slice(0, 8).join("\n"),
    diff,
    model: completion.model,
    usage: { tokens_in: call.tokens_in, tokens_out: call.tokens_out, cost_usd: call.cost_usd },
    calls: [call],
  };
}
