import { spawn } from "node:child_process";

/** `git apply --check`: proves a diff applies to the checkout before it is offered to the user. */
export function checkPatch(repoDir: string, diff: string): Promise<{ ok: true } | { ok: false; message: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("git", ["apply", "--check", "--whitespace=nowarn", "-"], {
      cwd: repoDir,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null", LANG: "C" },
      stdio: ["pipe", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (c: string) => (stderr += c));
    child.on("error", reject);
    child.on("close", (code) =>
      resolve(code === 0 ? { ok: true } : { ok: false, message: stderr.trim().split("\n").slice(0, 3).join("; ") || `exit ${code}` }),
    );
    child.stdin.end(diff);
  });
}
