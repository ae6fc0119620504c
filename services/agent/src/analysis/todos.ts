import type { RepoFile } from "./walk.ts";

export type TodoMarker = { path: string; line: number; tag: string; text: string };

// Word boundaries keep identifiers such as TODO_LIST out; the tag must be followed by text or punctuation.
const MARKER = /\b(TODO|FIXME|XXX|HACK)\b(?:\([^)]*\))?[:\s-]*(.*)$/;

/** TODO-style markers in text files, in file order, at most `limit`. */
export function findTodos(files: RepoFile[], limit = 200): TodoMarker[] {
  const found: TodoMarker[] = [];
  for (const file of files) {
    if (!file.text) continue;
    const lines = file.text.split("\n");
    for (let i = 0; i < lines.length; i++) {
      const match = MARKER.exec(lines[i] as string);
      if (!match) continue;
      const text = (match[2] ?? "").replace(/\s*(\*\/|-->)\s*$/, "").trim();
      found.push({ path: file.path, line: i + 1, tag: match[1] as string, text: text.length > 120 ? `${text.slice(0, 117)}...` : text });
      if (found.length >= limit) return found;
    }
  }
  return found;
}
