// A variation's proposed change (a unified diff from GET /v1/runs/:id) as diff2html markup: a real
// table with line numbers, added and removed lines, changed words marked, unified or side by side.
// Pure (no DOM), so what diff2html makes of hostile input is tested in Node.
import { html as diffToHtml, parse as parseDiff } from "diff2html";
import type { ColorSchemeType, DiffFile } from "diff2html/lib/types.js";

export type DiffLayout = "line-by-line" | "side-by-side";
export type DiffStats = { files: number; added: number; removed: number };

/** Above this many changed lines in one file diff2html shows the file as too big instead of a slow page. */
const MAX_CHANGES_PER_FILE = 4000;

export function diffStats(files: readonly DiffFile[]): DiffStats {
  return {
    files: files.length,
    added: files.reduce((n, f) => n + f.addedLines, 0),
    removed: files.reduce((n, f) => n + f.deletedLines, 0),
  };
}

export function parseChange(diff: string): DiffFile[] {
  return parseDiff(diff, { diffMaxChanges: MAX_CHANGES_PER_FILE });
}

/** diff2html escapes every line and file name it puts in the markup (diff-markup.test.ts holds it to that). */
export function diffMarkup(files: DiffFile[], layout: DiffLayout): string {
  return diffToHtml(files, {
    outputFormat: layout,
    drawFileList: false,
    matching: "lines",
    diffStyle: "word",
    // Follows prefers-color-scheme, like the rest of the page (the enum's value; only its type is imported).
    colorScheme: "auto" as ColorSchemeType,
    renderNothingWhenEmpty: false,
  });
}
