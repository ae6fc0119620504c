import type { RepoFile } from "./walk.ts";

/**
 * A two-level outline of the checkout: top-level directories with their file counts and
 * first-level subdirectories, then top-level files. Bounded, so a huge repository still prints a
 * readable page.
 */
export function outline(files: RepoFile[], maxLines = 40): string[] {
  const dirs = new Map<string, { count: number; children: Map<string, number> }>();
  const topFiles: string[] = [];
  for (const file of files) {
    const parts = file.path.split("/");
    if (parts.length === 1) {
      topFiles.push(file.path);
      continue;
    }
    const top = parts[0] as string;
    const entry = dirs.get(top) ?? { count: 0, children: new Map<string, number>() };
    entry.count += 1;
    if (parts.length > 2) entry.children.set(parts[1] as string, (entry.children.get(parts[1] as string) ?? 0) + 1);
    dirs.set(top, entry);
  }
  const lines: string[] = [];
  const plural = (n: number) => `${n} file${n === 1 ? "" : "s"}`;
  for (const [name, entry] of [...dirs.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`${name}/ (${plural(entry.count)})`);
    const children = [...entry.children.entries()].sort(([a], [b]) => a.localeCompare(b));
    for (const [child, count] of children.slice(0, 6)) lines.push(`  ${child}/ (${plural(count)})`);
    if (children.length > 6) lines.push(`  ... ${children.length - 6} more directories`);
  }
  for (const name of topFiles.sort()) lines.push(name);
  return lines.length > maxLines ? [...lines.slice(0, maxLines - 1), `... ${lines.length - maxLines + 1} more entries`] : lines;
}
