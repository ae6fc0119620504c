import { lstat, realpath } from "node:fs/promises";
import path from "node:path";

/** A path a tool call named that is not inside the workspace; the model gets the message back. */
export class WorkspacePathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WorkspacePathError";
  }
}

/**
 * Syntax rules for a path a model names: relative to the repository root, `/` separators, no
 * `..` segment, nothing under `.git`, no NUL. "" and "." mean the root.
 */
export function checkRelativePath(input: unknown): string {
  if (typeof input !== "string") throw new WorkspacePathError("path must be a string");
  if (input.includes("\0")) throw new WorkspacePathError("path must not contain NUL");
  const raw = input.trim().replace(/\\/g, "/");
  if (raw.startsWith("/") || /^[A-Za-z]:/.test(raw) || raw.startsWith("~")) {
    throw new WorkspacePathError(`${JSON.stringify(input)} is absolute; use a path relative to the repository root`);
  }
  const segments = raw.split("/").filter((s) => s !== "" && s !== ".");
  if (segments.includes("..")) throw new WorkspacePathError(`${JSON.stringify(input)} leaves the repository ('..' is not allowed)`);
  if (segments[0] === ".git") throw new WorkspacePathError("the .git directory is off limits");
  return segments.join("/");
}

/**
 * The absolute path for a model-named path, proven to stay inside `root`: the syntax rules above,
 * no symlink on the way (a symlink could point anywhere), and the real path of the deepest part
 * that exists inside the real root.
 */
export async function resolveInWorkspace(root: string, input: unknown): Promise<{ absolute: string; relative: string }> {
  const relative = checkRelativePath(input);
  const realRoot = await realpath(root);
  let current = realRoot;
  for (const segment of relative ? relative.split("/") : []) {
    current = path.join(current, segment);
    const stat = await lstat(current).catch(() => null);
    if (!stat) break;
    if (stat.isSymbolicLink()) throw new WorkspacePathError(`${relative} goes through a symbolic link, which tools do not follow`);
  }
  const absolute = path.join(realRoot, relative);
  if (absolute !== realRoot && !absolute.startsWith(`${realRoot}${path.sep}`)) {
    throw new WorkspacePathError(`${JSON.stringify(input)} is outside the repository`);
  }
  return { absolute, relative: relative || "." };
}

/** Every path a unified diff touches (headers, renames, copies), for checking before git sees it. */
export function diffPaths(diff: string): { paths: string[]; modes: string[] } {
  const paths = new Set<string>();
  const modes: string[] = [];
  for (const line of diff.split("\n")) {
    let m = /^diff --git a\/(\S+) b\/(\S+)/.exec(line);
    if (m) {
      paths.add(m[1] as string);
      paths.add(m[2] as string);
      continue;
    }
    m = /^(?:---|\+\+\+) (?:[ab]\/)?(.+?)(?:\t.*)?$/.exec(line);
    if (m && m[1] !== "/dev/null") {
      paths.add(m[1] as string);
      continue;
    }
    m = /^(?:rename|copy) (?:from|to) (.+)$/.exec(line);
    if (m) {
      paths.add(m[1] as string);
      continue;
    }
    m = /^(?:new file mode|new mode|old mode|deleted file mode|index [0-9a-f]+\.\.[0-9a-f]+) ?(\d{6})?$/.exec(line);
    if (m?.[1]) modes.push(m[1]);
  }
  return { paths: [...paths], modes };
}
