import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { RunnableLambda } from "@langchain/core/runnables";
import { Annotation, END, getConfig, type LangGraphRunnableConfig, START, StateGraph } from "@langchain/langgraph";
import { describe, expect, it } from "vitest";
import { useLeanRunnableContext } from "./langchain-context.ts";

const State = Annotation.Root({ steps: Annotation<string[]>({ reducer: (a, b) => [...a, ...b], default: () => [] }) });

function graph() {
  const node = (name: string) => async (_state: typeof State.State, config: LangGraphRunnableConfig) => {
    config.writer?.({ step: name });
    // What LangGraph helpers read back from async-local storage inside a node.
    const inner = getConfig() as LangGraphRunnableConfig;
    return { steps: [`${name}:${(inner.configurable as { tag: string }).tag}`] };
  };
  return new StateGraph(State)
    .addNode("a", node("a"))
    .addNode("b", node("b"))
    .addEdge(START, "a")
    .addConditionalEdges("a", () => "b", ["b", END])
    .addEdge("b", END)
    .compile();
}

async function run() {
  const frames: unknown[] = [];
  let last: typeof State.State | undefined;
  for await (const [mode, chunk] of await graph().stream({}, { streamMode: ["custom", "values"], configurable: { tag: "t1" } })) {
    if (mode === "custom") frames.push(chunk);
    else last = chunk as typeof State.State;
  }
  return { frames, steps: last?.steps };
}

describe("lean runnable context (no LangSmith RunTree when nothing traces)", () => {
  it("is not installed when LangChain tracing is configured", () => {
    expect(useLeanRunnableContext({ LANGCHAIN_TRACING_V2: "true" })).toBe(false);
    expect(useLeanRunnableContext({ LANGSMITH_TRACING: "true" })).toBe(false);
  });

  it("runs a graph exactly as before: custom frames, final state, config read back inside nodes", async () => {
    const before = await run();
    expect(useLeanRunnableContext({})).toBe(true);
    const after = await run();
    expect(after).toEqual(before);
    expect(after).toEqual({ frames: [{ step: "a" }, { step: "b" }], steps: ["a:t1", "b:t1"] });
  });

  it("leaves calls with callback handlers to the library: handlers still see their runs", async () => {
    useLeanRunnableContext({});
    const seen: string[] = [];
    class Recorder extends BaseCallbackHandler {
      name = "recorder";
      override handleChainStart(
        _chain: unknown,
        _inputs: unknown,
        _runId: string,
        _parent?: string,
        _tags?: string[],
        _meta?: unknown,
        _type?: string,
        name?: string,
      ) {
        seen.push(name ?? "?");
      }
    }
    const double = RunnableLambda.from(async (n: number) => n * 2).withConfig({ runName: "double" });
    expect(await double.invoke(21, { callbacks: [new Recorder()] })).toBe(42);
    expect(seen).toContain("double");
  });
});
