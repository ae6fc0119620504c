import type { Persona as PersonaRow, Post as PostRow, Prisma, Task as TaskRow, ThreadsAccount as ThreadsAccountRow } from "@prisma/client";
import { type Engagement, type LlmCallRecord, newId, type Persona, type Post, type Task } from "@threads-agent/contracts";

export type TaskWithPost = TaskRow & { post: PostRow | null };

const iso = (d: Date) => d.toISOString();

/** A persona with its linked Threads account (the API shows the account, never its token). */
export type PersonaWithAccount = PersonaRow & { threads_account?: ThreadsAccountRow | null };

/** Load personas with this include to show their account. */
export const PERSONA_WITH_ACCOUNT = { threads_account: true } as const satisfies Prisma.PersonaInclude;

export function toPersona(row: PersonaWithAccount): Persona {
  const account = row.threads_account ?? null;
  return {
    id: row.id,
    name: row.name,
    emoji: row.emoji,
    temperament: row.temperament as Persona["temperament"],
    description: row.description,
    hook_prompt: row.hook_prompt,
    body_prompt: row.body_prompt,
    hook_model: row.hook_model,
    body_model: row.body_model,
    topics: row.topics ?? [],
    schedule: row.schedule_cron
      ? { cron: row.schedule_cron, timezone: row.schedule_timezone ?? "UTC", review: row.schedule_review ?? false }
      : null,
    threads_account: account
      ? {
          username: account.username,
          user_id: account.user_id,
          token_expires_at: account.token_expires_at ? iso(account.token_expires_at) : null,
        }
      : null,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}

/** A post for the API; `engagement` is its latest insights reading (latestEngagement), when the caller loaded it. */
export function toPost(row: PostRow, engagement: Engagement | null = null): Post {
  return {
    id: row.id,
    task_id: row.task_id,
    persona_id: row.persona_id,
    hook: row.hook,
    body: row.body,
    text: row.text,
    published_id: row.published_id,
    permalink: row.permalink,
    published_at: row.published_at ? iso(row.published_at) : null,
    hook_style: row.hook_style ?? null,
    engagement,
    created_at: iso(row.created_at),
  };
}

/** A task for the API; `engagement` is its post's latest insights reading, when the caller loaded it. */
export function toTask(row: TaskWithPost, engagement: Engagement | null = null): Task {
  return {
    id: row.id,
    persona_id: row.persona_id,
    task_type: row.task_type as Task["task_type"],
    input: row.input,
    status: row.status,
    attempts: row.attempts,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
    finished_at: row.finished_at ? iso(row.finished_at) : null,
    deferred_until: row.status === "deferred" && row.deferred_until ? iso(row.deferred_until) : null,
    publish_at: row.publish_at ? iso(row.publish_at) : null,
    review: row.review ?? false,
    approved_at: row.approved_at ? iso(row.approved_at) : null,
    trend_id: row.trend_id ?? null,
    slot_at: row.slot_at ? iso(row.slot_at) : null,
    post: row.post ? toPost(row.post, engagement) : null,
    error: row.error_code ? { code: row.error_code, message: row.error_message ?? "" } : null,
    usage: { tokens_in: row.tokens_in, tokens_out: row.tokens_out, cost_usd: Number(row.cost_usd) },
  };
}

/**
 * A model call as a new llm_calls row. Content tasks own theirs through `task_id`; an agent run's
 * variation through `owner` (its id), so both kinds of work are priced from one table.
 */
export function toLlmCallRow(call: LlmCallRecord, owner: { task_id: string } | { owner: string }): Prisma.LlmCallCreateManyInput {
  return {
    id: newId(),
    ...owner,
    step: call.step,
    provider: call.provider,
    model: call.model,
    tokens_in: call.tokens_in,
    tokens_out: call.tokens_out,
    cost_usd: call.cost_usd,
    latency_ms: Math.round(call.latency_ms),
    reason: call.reason,
  };
}
