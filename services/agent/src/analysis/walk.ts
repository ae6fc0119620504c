import { open, readdir } from "node:fs/promises";
import path from "node:path";

export type RepoFile = {
  /** Relative, with `/` separators. */
  path: string;
  size: number;
  /** Text content for text files up to MAX_TEXT_BYTES; null for binary or large files. */
  text: string | null;
};

export type RepoWalk = { files: RepoFile[]; skippedDirs: string[]; truncated: boolean };

/** Directories that are generated or vendored: counting them would describe the tooling, not the project. */
const SKIPPED_DIRS = new Set([
  ".git",
  "node_modules",
  "vendor",
  "dist",
  "build",
  "target",
  ".venv",
  "venv",
  "__pycache__",
  ".next",
  ".tox",
  "coverage",
]);
const MAX_TEXT_BYTES = 512 * 1024;

async function readText(file: string, size: number): Promise<string | null> {
  if (size > MAX_TEXT_BYTES) return null;
  const handle = await open(file, "r");
  try {
    const buffer = Buffer.alloc(size);
    await handle.read(buffer, 0, size, 0);
    // A NUL byte in the first 8 KiB is git's own test for binary content.
    if (buffer.subarray(0, 8192).includes(0)) return null;
    return buffer.toString("utf8");
  } finally {
    await handle.close();
  }
}

/**
 * Every regular file of the checkout in a stable order (sorted, depth first), bounded in count.
 * Symlinks and other special files are skipped, so nothing outside the checkout is ever read.
 */
export async function walkRepository(root: string, options: { maxFiles?: number } = {}): Promise<RepoWalk> {
  const maxFiles = options.maxFiles ?? 20_000;
  const files: RepoFile[] = [];
  const skippedDirs: string[] = [];
  let truncated = false;

  const visit = async (relative: string): Promise<void> => {
    const entries = (await readdir(path.join(root, relative), { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const entry of entries) {
      if (files.length >= maxFiles) {
        truncated = true;
        return;
      }
      const rel = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (SKIPPED_DIRS.has(entry.name)) {
          if (entry.name !== ".git") skippedDirs.push(rel);
          continue;
        }
        await visit(rel);
      } else if (entry.isFile()) {
        const full = path.join(root, rel);
        const handle = await open(full, "r");
        const { size } = await handle.stat();
        await handle.close();
        files.push({ path: rel, size, text: await readText(full, size) });
      }
    }
  };
  await visit("");
  return { files, skippedDirs, truncated };
}
