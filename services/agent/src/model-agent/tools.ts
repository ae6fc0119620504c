// The tools the model works with: read the checkout, change it, run its checks, finish. Every
// path goes through resolveInWorkspace; every result is bounded, so one call cannot flood the
// conversation (the token budget is the model's, not the repository's).
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import type { ToolDefinition } from "@threads-agent/llm";
import { git, gitMessage } from "../git.ts";
import { workspaceDiff } from "../patch.ts";
import type { CheckPlan } from "../verification/detect-checks.ts";
import { describeCheckResult, type Verification } from "../verification/verify.ts";
import { checkRelativePath, diffPaths, resolveInWorkspace, WorkspacePathError } from "./workspace-path.ts";

const MAX_LIST_ENTRIES = 200;
const MAX_READ_LINES = 400;
const MAX_READ_CHARS = 24_000;
const MAX_SEARCH_MATCHES = 100;
const MAX_WRITE_BYTES = 512 * 1024;

export const TOOLS: ToolDefinition[] = [
  {
    name: "list_directory",
    description: "List a directory of the repository: subdirectories end with '/', files show their size.",
    parameters: {
      type: "object",
      properties: { path: { type: "string", description: "Relative to the repository root; '.' for the root." } },
      required: ["path"],
    },
  },
  {
    name: "read_file",
    description: `Read a text file, at most ${MAX_READ_LINES} lines per call; use start_line to read further.`,
    parameters: {
      type: "object",
      properties: {
        path: { type: "string", description: "Relative to the repository root." },
        start_line: { type: "integer", minimum: 1, description: "First line to return (1-based); default 1." },
        end_line: { type: "integer", minimum: 1, description: "Last line to return." },
      },
      required: ["path"],
    },
  },
  {
    name: "search",
    description: `Search the repository's files for text (git grep): path:line: text for each match, at most ${MAX_SEARCH_MATCHES}.`,
    parameters: {
      type: "object",
      properties: {
        query: { type: "string", description: "Text to find (a fixed string unless regex is true)." },
        regex: { type: "boolean", description: "Treat the query as an extended regular expression." },
        path: { type: "string", description: "Only under this directory or file." },
      },
      required: ["query"],
    },
  },
  {
    name: "apply_patch",
    description:
      "Apply a unified diff (as `git diff` prints it, paths relative to the repository root, a/ and b/ prefixes) to the files as they are now.",
    parameters: { type: "object", properties: { patch: { type: "string" } }, required: ["patch"] },
  },
  {
    name: "write_file",
    description: "Write a whole file (created with its directories when missing, replaced otherwise).",
    parameters: {
      type: "object",
      properties: { path: { type: "string", description: "Relative to the repository root." }, content: { type: "string" } },
      required: ["path", "content"],
    },
  },
  {
    name: "run_check",
    description: "Run the repository's own checks (tests, lint) on the files as they are now; returns each check's result and output tail.",
    parameters: { type: "object", properties: {} },
  },
  {
    name: "finish",
    description: "End the work: the change is what the files are now. Say what you changed and how sure you are it does what was asked.",
    parameters: {
      type: "object",
      properties: {
        summary: { type: "string", description: "What you changed and why, in a few sentences." },
        confidence: { type: "number", minimum: 0, maximum: 1, description: "0-1: how sure you are that the change does what was asked." },
      },
      required: ["summary", "confidence"],
    },
  },
];

/** What a tool call produced: the text for the model and a one-line summary for the log. */
export type ToolOutcome = { content: string; summary: string; isError?: boolean; finish?: { summary: string; confidence: number | null } };

export type ToolContext = {
  root: string;
  plan: CheckPlan;
  /** Runs the checks on a diff (the same verification the final change gets). */
  verify: (diff: string) => Promise<Verification>;
  signal?: AbortSignal | undefined;
};

const size = (bytes: number) => (bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KB`);
const fail = (message: string): ToolOutcome => ({ content: `error: ${message}`, summary: `error: ${message}`, isError: true });
const str = (v: unknown) => (typeof v === "string" ? v : undefined);

async function listDirectory(ctx: ToolContext, input: Record<string, unknown>): Promise<ToolOutcome> {
  const { absolute, relative } = await resolveInWorkspace(ctx.root, input.path ?? ".");
  const entries = await readdir(absolute, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
    throw new WorkspacePathError(
      err.code === "ENOENT" ? `${relative} does not exist` : err.code === "ENOTDIR" ? `${relative} is a file` : err.message,
    );
  });
  const visible = entries.filter((e) => !(relative === "." && e.name === ".git")).sort((a, b) => a.name.localeCompare(b.name));
  const lines: string[] = [];
  for (const entry of visible.slice(0, MAX_LIST_ENTRIES)) {
    if (entry.isDirectory()) lines.push(`${entry.name}/`);
    else if (entry.isFile()) lines.push(`${entry.name} (${size((await stat(path.join(absolute, entry.name))).size)})`);
  }
  if (visible.length > MAX_LIST_ENTRIES) lines.push(`... ${visible.length - MAX_LIST_ENTRIES} more entries`);
  return { content: lines.join("\n") || "(empty directory)", summary: `${visible.length} entr${visible.length === 1 ? "y" : "ies"}` };
}

async function readFileTool(ctx: ToolContext, input: Record<string, unknown>): Promise<ToolOutcome> {
  const { absolute, relative } = await resolveInWorkspace(ctx.root, input.path);
  const buffer = await readFile(absolute).catch((err: NodeJS.ErrnoException) => {
    throw new WorkspacePathError(
      err.code === "ENOENT" ? `${relative} does not exist` : err.code === "EISDIR" ? `${relative} is a directory` : err.message,
    );
  });
  if (buffer.subarray(0, 8192).includes(0)) return fail(`${relative} is a binary file (${size(buffer.length)})`);
  const lines = buffer.toString("utf8").split("\n");
  if (lines.at(-1) === "") lines.pop();
  const start = Math.max(1, Math.floor(Number(input.start_line) || 1));
  const end = Math.min(lines.length, Math.floor(Number(input.end_line) || lines.length), start + MAX_READ_LINES - 1);
  let text = lines.slice(start - 1, end).join("\n");
  if (text.length > MAX_READ_CHARS) text = `${text.slice(0, MAX_READ_CHARS)}\n... (cut at ${MAX_READ_CHARS} characters)`;
  const range = lines.length === 0 ? "empty file" : `lines ${start}-${end} of ${lines.length}`;
  const more = end < lines.length ? `\n... ${lines.length - end} more lines (read with start_line ${end + 1})` : "";
  return { content: `${relative} (${range})\n${text}${more}`, summary: `${range} (${size(buffer.length)})` };
}

async function search(ctx: ToolContext, input: Record<string, unknown>): Promise<ToolOutcome> {
  const query = str(input.query);
  if (!query) return fail("query must be a non-empty string");
  const scope = input.path === undefined ? "." : (await resolveInWorkspace(ctx.root, input.path)).relative;
  const result = await git(
    ["grep", "-n", "-I", "--no-color", "--untracked", input.regex === true ? "-E" : "-F", "-e", query, "--", scope],
    { cwd: ctx.root, timeoutMs: 20_000 },
  );
  if (result.code === 1) return { content: "no matches", summary: "no matches" };
  if (result.code !== 0) return fail(`search failed: ${gitMessage(result)}`);
  const matches = result.stdout.split("\n").filter(Boolean);
  const shown = matches.slice(0, MAX_SEARCH_MATCHES).map((l) => (l.length > 240 ? `${l.slice(0, 240)}…` : l));
  const more = matches.length > MAX_SEARCH_MATCHES ? `\n... ${matches.length - MAX_SEARCH_MATCHES} more matches` : "";
  return { content: shown.join("\n") + more, summary: `${matches.length} match${matches.length === 1 ? "" : "es"}` };
}

async function applyPatchTool(ctx: ToolContext, input: Record<string, unknown>): Promise<ToolOutcome> {
  let patch = str(input.patch);
  if (!patch?.trim()) return fail("patch must be a non-empty unified diff");
  if (!patch.endsWith("\n")) patch += "\n";
  const { paths, modes } = diffPaths(patch);
  if (paths.length === 0) return fail("no file headers found: the patch must be a unified diff with ---/+++ lines");
  for (const p of paths) checkRelativePath(p);
  if (modes.some((m) => m === "120000" || m === "160000")) return fail("symbolic links and submodules cannot be created");
  // --recount: models miscount hunk lengths; git then counts the lines itself.
  const result = await git(["apply", "--recount", "--whitespace=nowarn", "-"], { cwd: ctx.root, input: patch });
  if (result.code !== 0) return fail(`the patch does not apply: ${gitMessage(result)}`);
  const files = [...new Set(paths)].filter((p) => p !== "/dev/null");
  return { content: `applied to ${files.join(", ")}`, summary: `applied (${files.length} file${files.length === 1 ? "" : "s"})` };
}

async function writeFileTool(ctx: ToolContext, input: Record<string, unknown>): Promise<ToolOutcome> {
  const content = str(input.content);
  if (content === undefined) return fail("content must be a string");
  if (Buffer.byteLength(content) > MAX_WRITE_BYTES) return fail(`content is larger than ${size(MAX_WRITE_BYTES)}`);
  const { absolute, relative } = await resolveInWorkspace(ctx.root, input.path);
  if (relative === ".") return fail("path must name a file");
  await mkdir(path.dirname(absolute), { recursive: true });
  // The directories just made are inside the root, and the path had no symlink: check again for the created parents.
  await resolveInWorkspace(ctx.root, relative);
  const existed = await stat(absolute).then(
    (s) => {
      if (s.isDirectory()) throw new WorkspacePathError(`${relative} is a directory`);
      return true;
    },
    () => false,
  );
  await writeFile(absolute, content);
  return {
    content: `${existed ? "replaced" : "created"} ${relative}`,
    summary: `${existed ? "replaced" : "created"} (${size(Buffer.byteLength(content))})`,
  };
}

async function runCheckTool(ctx: ToolContext): Promise<ToolOutcome> {
  if (ctx.plan.checks.length === 0) return { content: ctx.plan.skipped ?? "no checks to run", summary: "no checks to run" };
  const verification = await ctx.verify(await workspaceDiff(ctx.root));
  if (verification.applyError) return fail(`the current changes do not apply to a clean checkout: ${verification.applyError}`);
  const parts = verification.checks.map((c) =>
    [
      describeCheckResult(c),
      ...(c.tests?.failing.length ? [`failing: ${c.tests.failing.join(", ")}`] : []),
      "output (last lines):",
      c.output_tail,
    ].join("\n"),
  );
  const summary = verification.checks
    .map((c) => `${c.name} ${c.status.replace("_", " ")}${c.tests ? ` (${c.tests.failed} failed)` : ""}`)
    .join(", ");
  return { content: parts.join("\n\n"), summary };
}

function finishTool(input: Record<string, unknown>): ToolOutcome {
  const summary = str(input.summary)?.trim() || "(no summary given)";
  const raw = Number(input.confidence);
  const confidence = Number.isFinite(raw) ? Math.min(1, Math.max(0, raw)) : null;
  return { content: "finished", summary: `confidence ${confidence ?? "not given"}`, finish: { summary, confidence } };
}

/** Runs one tool call; a bad path or argument is an error result for the model, never a crash of the agent. */
export async function runTool(ctx: ToolContext, name: string, input: Record<string, unknown>): Promise<ToolOutcome> {
  try {
    switch (name) {
      case "list_directory":
        return await listDirectory(ctx, input);
      case "read_file":
        return await readFileTool(ctx, input);
      case "search":
        return await search(ctx, input);
      case "apply_patch":
        return await applyPatchTool(ctx, input);
      case "write_file":
        return await writeFileTool(ctx, input);
      case "run_check":
        return await runCheckTool(ctx);
      case "finish":
        return finishTool(input);
      default:
        return fail(`there is no tool named ${JSON.stringify(name)}; the tools are ${TOOLS.map((t) => t.name).join(", ")}`);
    }
  } catch (err) {
    if (err instanceof WorkspacePathError) return fail(err.message);
    throw err;
  }
}

/** A tool call as one log line: its name and its arguments, long values cut. */
export function describeToolCall(name: string, input: Record<string, unknown>): string {
  const args = Object.entries(input)
    .map(([k, v]) => {
      const text = typeof v === "string" ? v : JSON.stringify(v);
      const firstLine = text.split("\n")[0] ?? "";
      const cut = firstLine.length > 80 || text.includes("\n") ? `${firstLine.slice(0, 80)}… (${text.length} chars)` : firstLine;
      return `${k}=${typeof v === "string" ? JSON.stringify(cut).slice(1, -1) : cut}`;
    })
    .join(" ");
  return `tool ${name}${args ? ` ${args}` : ""}`;
}
