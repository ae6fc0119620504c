import type { TaskType } from "@threads-agent/contracts";
import type { OrchestratorDeps } from "../deps.ts";

/** What a task without an input writes about, and where that came from. */
export type Topic = { input: string; task_type: TaskType; source: string };

/**
 * A place topics come from for tasks that name none (the original `POST /task {persona_id,
 * task_type}`). `chooseTopic` asks each source in order; the first with a topic wins.
 */
export type TopicSource = {
  name: string;
  next(deps: OrchestratorDeps, personaId: string): Promise<Topic | null>;
};

/** For personas that list no topics of their own. */
export const GENERAL_TOPICS = [
  "A small habit that changed my week",
  "What people get wrong about asking for help",
  "The best advice I ignored for years",
  "Why rest is part of the work",
];

/**
 * The persona's own topics (`topics`, else GENERAL_TOPICS), in their order, skipping those its
 * most recent tasks used; when every one was used lately, the one used longest ago. The same
 * database gives the same choice, and a persona cycles through its list.
 */
export const personaTopics: TopicSource = {
  name: "persona-topics",
  async next(deps, personaId) {
    const persona = await deps.db.persona.findUnique({ where: { id: personaId }, select: { topics: true } });
    if (!persona) return null;
    const topics = persona.topics.length ? persona.topics : GENERAL_TOPICS;
    const recent = await deps.db.task.findMany({
      where: { persona_id: personaId, input: { in: topics } },
      orderBy: { id: "desc" },
      take: topics.length,
      select: { input: true },
    });
    // Newest first: a topic's index here is how recently it was used (absent: not lately).
    const lastUse = new Map<string, number>();
    recent.forEach((t, i) => {
      if (!lastUse.has(t.input)) lastUse.set(t.input, i);
    });
    const unused = topics.find((t) => !lastUse.has(t));
    const input = unused ?? [...topics].sort((a, b) => (lastUse.get(b) ?? 0) - (lastUse.get(a) ?? 0))[0];
    return input ? { input, task_type: "trend", source: this.name } : null;
  },
};

/**
 * The sources, in order. The freshest unused trend comes before these, in submitTask: it is
 * claimed in the transaction that inserts the task, so it is marked used only if the task commits.
 */
export const TOPIC_SOURCES: readonly TopicSource[] = [personaTopics];

/** The topic of a task that names none; null only when the persona does not exist (the insert then says so). */
export async function chooseTopic(deps: OrchestratorDeps, personaId: string, sources = TOPIC_SOURCES): Promise<Topic | null> {
  for (const source of sources) {
    const topic = await source.next(deps, personaId);
    if (topic) return topic;
  }
  return null;
}
