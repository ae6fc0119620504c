import { commentLines, commentSyntaxOf } from "./comments.ts";
import type { RepoFile } from "./walk.ts";

export type TodoMarker = { path: string; line: number; tag: string; text: string };

// Word boundaries keep identifiers such as TODO_LIST out; the tag must be followed by text or punctuation.
const MARKER = /\b(TODO|FIXME|XXX|HACK)\b(?:\([^)]*\))?[:\s-]*(.*)$/;
const ANY_MARKER = /\b(?:TODO|FIXME|XXX|HACK)\b/;

/**
 * TODO-style markers inside comments, in file order, at most `limit`. Only files whose comment
 * syntax is known are read (see comments.ts); a marker in a string literal, in code or in prose
 * is not a marker.
 */
export function findTodos(files: RepoFile[], limit = 200): TodoMarker[] {
  const found: TodoMarker[] = [];
  for (const file of files) {
    if (!file.text || !ANY_MARKER.test(file.text)) continue;
    const syntax = commentSyntaxOf(file.path, file.text);
    if (!syntax) continue;
    for (const comment of commentLines(file.text, syntax)) {
      const match = MARKER.exec(comment.text);
      if (!match) continue;
      const text = (match[2] ?? "").trim();
      found.push({
        path: file.path,
        line: comment.line,
        tag: match[1] as string,
        text: text.length > 120 ? `${text.slice(0, 117)}...` : text,
      });
      if (found.length >= limit) return found;
    }
  }
  return found;
}
