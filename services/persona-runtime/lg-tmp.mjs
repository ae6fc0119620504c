import { AsyncLocalStorageProviderSingleton } from "@langchain/core/singletons";
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";

const LC_CHILD_KEY = Symbol.for("lc:child_config");
const CONTEXT_VARIABLES = Symbol.for("lc:context_variables");
const noHandlers = (cb) =>
  cb === undefined ||
  (Array.isArray(cb) ? cb.length === 0 : (cb.handlers?.length ?? 0) === 0 && (cb.inheritableHandlers?.length ?? 0) === 0);
if (process.argv[2] === "lean") {
  const original = AsyncLocalStorageProviderSingleton.runWithConfig;
  AsyncLocalStorageProviderSingleton.runWithConfig = function (config, callback, avoid) {
    if (!noHandlers(config?.callbacks)) return original.call(this, config, callback, avoid);
    const storage = this.getInstance();
    const previous = storage.getStore();
    const store = { extra: { [LC_CHILD_KEY]: config } };
    if (previous?.[CONTEXT_VARIABLES] !== undefined) store[CONTEXT_VARIABLES] = previous[CONTEXT_VARIABLES];
    return storage.run(store, callback);
  };
}
const S = Annotation.Root({ n: Annotation({ reducer: (a, b) => b, default: () => 0 }) });
let g = new StateGraph(S);
for (const k of ["a", "b", "c", "d", "e"])
  g = g.addNode(k, async (s, config) => {
    config.writer?.({ k });
    return { n: s.n + 1 };
  });
g = g.addEdge(START, "a").addEdge("a", "b").addEdge("b", "c").addEdge("c", "d").addEdge("d", "e").addEdge("e", END);
const graph = g.compile();
let frames = 0;
async function bench(label) {
  for (let i = 0; i < 300; i++) {
    const s = await graph.stream({ n: 0 }, { streamMode: ["custom", "values"] });
    for await (const _ of s) {
    }
  }
  const N = 1500;
  const c0 = process.cpuUsage();
  frames = 0;
  for (let i = 0; i < N; i++) {
    const s = await graph.stream({ n: 0 }, { streamMode: ["custom", "values"] });
    for await (const [m] of s) if (m === "custom") frames++;
  }
  const c = process.cpuUsage(c0);
  console.log(label, ((c.user + c.system) / 1000 / N).toFixed(3), "ms cpu per invoke; custom frames per invoke", frames / N);
}
await bench(process.argv[2] ?? "default");
