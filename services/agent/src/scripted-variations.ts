// Three scripted model variations on the GREET_FILES repository, for tests and the bench: each
// reads the code, makes its change, runs the checks and finishes, as a real model would through
// the tools. One fixes the failing test, one breaks the passing one, one edits only the README.
import type { StandInAnswer, StandInCall } from "@threads-agent/testing";

export const FIX_PATCH = [
  "diff --git a/src/greet.js b/src/greet.js",
  "--- a/src/greet.js",
  "+++ b/src/greet.js",
  "@@ -1,2 +1,2 @@",
  "-export const greet = (name) => 'Hello ' + name;",
  "+export const greet = (name) => 'Hello, ' + name + '!';",
  " export const shout = (name) => name.toUpperCase();",
  "",
].join("\n");

export const BREAK_PATCH = [
  "--- a/src/greet.js",
  "+++ b/src/greet.js",
  "@@ -1,2 +1,2 @@",
  " export const greet = (name) => 'Hello ' + name;",
  "-export const shout = (name) => name.toUpperCase();",
  "+export const shout = (name) => name.toLowerCase();",
  "",
].join("\n");

export const GREET_PROMPT = "greet people with a comma and an exclamation mark";

/** A model that reads src/greet.js, makes `change`, runs the checks, and finishes with `confidence`. */
export const scriptedWorker =
  (change: StandInAnswer["toolCalls"], confidence: number) =>
  (call: StandInCall): StandInAnswer => {
    switch (call.turn) {
      case 0:
        return { text: "Reading the code under test first.", toolCalls: [{ name: "read_file", input: { path: "src/greet.js" } }] };
      case 1:
        return { toolCalls: change };
      case 2:
        return { text: "Now the checks.", toolCalls: [{ name: "run_check", input: {} }] };
      default:
        return { toolCalls: [{ name: "finish", input: { summary: "Changed src/greet.js as asked.", confidence } }] };
    }
  };

/** The three variations, by the model each runs as (the stand-in answers by model name). */
export const GREET_VARIATIONS = [
  { model: "openai/gpt-4o-mini", script: scriptedWorker([{ name: "apply_patch", input: { patch: FIX_PATCH } }], 0.8) },
  { model: "anthropic/claude-haiku-4-5", script: scriptedWorker([{ name: "apply_patch", input: { patch: BREAK_PATCH } }], 0.7) },
  {
    model: "openai/gpt-4o",
    script: scriptedWorker([{ name: "write_file", input: { path: "README.md", content: "# greet\n\nSays hello.\n" } }], 0.9),
  },
] as const;

/** A stand-in reply that answers each variation's calls with its script. */
export function greetVariationsReply(call: StandInCall): StandInAnswer {
  const variation = GREET_VARIATIONS.find((v) => v.model.endsWith(`/${call.model}`));
  if (!variation) throw new Error(`no scripted variation for model ${call.model}`);
  return variation.script(call);
}
