import type { ModerationVerdict } from "@threads-agent/llm";

export type GuardedText = { input: string; hook: string; body: string };

/**
 * The regex guard: the first field (in the order input, hook, body) that matches the blocklist
 * names the reason. Returns null when everything passes.
 */
export function createGuardrail(blocklist: RegExp): (text: GuardedText) => string | null {
  // A global or sticky regex would carry lastIndex between calls and miss matches.
  const pattern = new RegExp(blocklist.source, blocklist.flags.replace(/[gy]/g, ""));
  return (text) => {
    for (const field of ["input", "hook", "body"] as const) {
      const match = pattern.exec(text[field]);
      if (match) return `blocked: ${field} matches ${JSON.stringify(match[0])}`;
    }
    return null;
  };
}

/**
 * The moderation verdict on what would be published, as a block reason naming each flagged part
 * and its categories ("blocked: moderation flagged the body (harassment, violence)"), or null.
 */
export function moderationVerdict(verdicts: { hook: ModerationVerdict | undefined; body: ModerationVerdict | undefined }): string | null {
  const flagged = (["hook", "body"] as const)
    .filter((field) => verdicts[field]?.flagged)
    .map((field) => {
      const categories = verdicts[field]?.categories ?? [];
      return `the ${field}${categories.length ? ` (${categories.join(", ")})` : ""}`;
    });
  return flagged.length ? `blocked: moderation flagged ${flagged.join(" and ")}` : null;
}
