// The dashboard's entry point (index.html loads it): wires the panels to one API client, follows
// the URL's #task=… / #run=… and polls the lists while the tab is visible.
import "diff2html/bundles/css/diff2html.min.css";
import "./styles/base.css";
import "./styles/panels.css";
import "./styles/runs.css";
import "./styles/queues.css";
import "./styles/review.css";
import { createApi } from "./api.ts";
import { createQueuePanel } from "./queues/queue-panel.ts";
import { createRunPanel } from "./runs/run-panel.ts";
import { checkHealth, createKeyDialog } from "./shell.ts";
import { createReviewPanel } from "./tasks/review-panel.ts";
import { createTaskPanel } from "./tasks/task-panel.ts";

const keyDialog = createKeyDialog(() => void start());
const api = createApi((problem) => keyDialog.ask(problem.detail));
const tasks = createTaskPanel(api);
const review = createReviewPanel(api, tasks.personaLabel, (task) => tasks.changed(task));
const runs = createRunPanel(api);
const queues = createQueuePanel(api, () => void tasks.refresh());

const ENTITY_HASH = /^#(task|run)=([0-9a-f-]{36})$/;
function followHash() {
  const match = ENTITY_HASH.exec(location.hash);
  if (match?.[1] === "task" && match[2]) tasks.select(match[2]);
  if (match?.[1] === "run" && match[2]) runs.select(match[2]);
}
window.addEventListener("hashchange", followHash);

let timers: number[] = [];
async function start() {
  for (const t of timers) window.clearInterval(t);
  void checkHealth();
  await tasks.start();
  await Promise.all([review.start(), runs.start(), queues.start()]);
  followHash();
  const whenVisible = (work: () => Promise<void>) => () => {
    if (!document.hidden) void work();
  };
  timers = [
    window.setInterval(() => void checkHealth(), 15_000),
    window.setInterval(whenVisible(tasks.refresh), 5_000),
    window.setInterval(whenVisible(review.refresh), 5_000),
    window.setInterval(whenVisible(runs.refresh), 5_000),
    window.setInterval(whenVisible(queues.refresh), 5_000),
  ];
}
void start();
