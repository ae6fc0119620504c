import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import net from "node:net";

/** True when something already listens on `port` (binding it on `host` fails with EADDRINUSE). */
export function portInUse(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", (err: NodeJS.ErrnoException) => resolve(err.code === "EADDRINUSE" || err.code === "EACCES"));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(false)));
  });
}

/** Listening sockets' inodes for `port`, from the kernel's tables (Linux). */
function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = readFileSync(table, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      const local = cols[1];
      // st 0A: LISTEN
      if (!local || cols[3] !== "0A") continue;
      if (Number.parseInt(local.split(":").pop() ?? "", 16) === port && cols[9]) inodes.add(cols[9]);
    }
  }
  return inodes;
}

/** The process holding a socket with one of `inodes`, by its open file descriptors (Linux /proc). */
function processOfInodes(inodes: Set<string>): { pid: number; command: string } | null {
  if (inodes.size === 0) return null;
  const wanted = new Set([...inodes].map((i) => `socket:[${i}]`));
  let pids: string[];
  try {
    pids = readdirSync("/proc").filter((d) => /^\d+$/.test(d));
  } catch {
    return null;
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // another user's process, or gone
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      if (wanted.has(target)) {
        let command = "";
        try {
          command = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean).join(" ");
        } catch {
          // gone meanwhile
        }
        return { pid: Number(pid), command };
      }
    }
  }
  return null;
}

/**
 * Who listens on `port`, as words for a message: `pid 4242 (node services/orchestrator/src/main.ts)`,
 * or null when it cannot be told (another user's process, no /proc and no lsof).
 */
export function portHolder(port: number): string | null {
  const found = processOfInodes(listeningInodes(port));
  if (found) return `pid ${found.pid}${found.command ? ` (${found.command.slice(0, 160)})` : ""}`;
  // macOS and others: lsof, where installed.
  const lsof = spawnSync("lsof", ["-nP", `-iTCP:${port}`, "-sTCP:LISTEN", "-Fpc"], { encoding: "utf8" });
  if (lsof.status === 0 && lsof.stdout) {
    const pid = /^p(\d+)/m.exec(lsof.stdout)?.[1];
    const command = /^c(.+)$/m.exec(lsof.stdout)?.[1];
    if (pid) return `pid ${pid}${command ? ` (${command})` : ""}`;
  }
  return null;
}

/** Every `[name, port]` that is taken, with who holds it where that can be told. */
export async function busyPorts(
  ports: [string, number][],
  host = "127.0.0.1",
): Promise<{ name: string; port: number; holder: string | null }[]> {
  const busy: { name: string; port: number; holder: string | null }[] = [];
  for (const [name, port] of ports) {
    if (await portInUse(port, host)) busy.push({ name, port, holder: portHolder(port) });
  }
  return busy;
}
