/** One file's change: `before` null creates the file. */
export type FileEdit = { path: string; before: string | null; after: string };

const CONTEXT = 3;

/** Lines with their terminators, so a missing final newline is a difference git can see. */
function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split(/(?<=\n)/);
  return lines;
}

function render(prefix: string, line: string): string {
  return line.endsWith("\n") ? `${prefix}${line}` : `${prefix}${line}\n\\ No newline at end of file\n`;
}

function hunkRange(start: number, count: number): string {
  // A hunk that adds to an empty region names the line before it (0 for the file start).
  if (count === 0) return `${start},0`;
  return count === 1 ? `${start + 1}` : `${start + 1},${count}`;
}

/**
 * A unified diff `git apply` accepts. The changed region is found by trimming the common prefix
 * and suffix: one hunk, exact for the edits the agent makes (new files, appended sections,
 * replaced blocks), and never wrong for others, only less minimal than a full LCS diff.
 */
export function unifiedDiff(edits: FileEdit[]): string {
  let out = "";
  for (const edit of edits) {
    const before = splitLines(edit.before ?? "");
    const after = splitLines(edit.after);
    if (edit.before !== null && edit.before === edit.after) continue;
    out += `diff --git a/${edit.path} b/${edit.path}\n`;
    if (edit.before === null) out += "new file mode 100644\n";
    out += `--- ${edit.before === null ? "/dev/null" : `a/${edit.path}`}\n+++ b/${edit.path}\n`;

    let prefix = 0;
    while (prefix < before.length && prefix < after.length && before[prefix] === after[prefix]) prefix++;
    let suffix = 0;
    while (
      suffix < before.length - prefix &&
      suffix < after.length - prefix &&
      before[before.length - 1 - suffix] === after[after.length - 1 - suffix]
    ) {
      suffix++;
    }
    const start = Math.max(0, prefix - CONTEXT);
    const endBefore = Math.min(before.length, before.length - suffix + CONTEXT);
    const endAfter = Math.min(after.length, after.length - suffix + CONTEXT);
    const lead = before.slice(start, prefix);
    const removed = before.slice(prefix, before.length - suffix);
    const added = after.slice(prefix, after.length - suffix);
    const trail = before.slice(before.length - suffix, endBefore);

    out += `@@ -${hunkRange(start, endBefore - start)} +${hunkRange(start, endAfter - start)} @@\n`;
    for (const line of lead) out += render(" ", line);
    for (const line of removed) out += render("-", line);
    for (const line of added) out += render("+", line);
    for (const line of trail) out += render(" ", line);
  }
  return out;
}
