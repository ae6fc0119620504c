// repo_url policy. Checked by the orchestrator (400 with a reason), again by the launcher (the
// queue is not a trust boundary) and by the agent, which also resolves the host and refuses
// private addresses right before cloning.
import { BlockList, isIP } from "node:net";

/** Hosts accepted when REPO_HOST_ALLOWLIST is not set. */
export const DEFAULT_REPO_HOSTS = ["github.com", "gitlab.com", "bitbucket.org", "codeberg.org"];

export const REPO_URL_MAX_CHARS = 2048;

export type RepoUrlPolicy = {
  /** Host names; `*.example.com` matches subdomains; `*` matches any public host. */
  allowedHosts: readonly string[];
  /** Directories file:// URLs may be under (tests and local development only); empty: file:// refused. */
  fileRoots: readonly string[];
};

export type RepoUrl = {
  kind: "https" | "ssh" | "file";
  /** Lowercased host; null for file://. */
  host: string | null;
  port: number | null;
  /** Repository path on the host, or the absolute directory for file://. */
  path: string;
  /** The URL exactly as git will be given it. */
  url: string;
};

export type RepoUrlCheck = { ok: true; repo: RepoUrl } | { ok: false; message: string };

// Addresses no repository URL may point at: this host, the pod network, cloud metadata, documentation ranges.
const NON_PUBLIC = new BlockList();
for (const [net, bits] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.88.99.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const) {
  NON_PUBLIC.addSubnet(net, bits, "ipv4");
}
for (const [net, bits] of [
  ["::", 128],
  ["::1", 128],
  ["64:ff9b::", 96],
  ["100::", 64],
  ["2001:db8::", 32],
  ["fc00::", 7],
  ["fe80::", 10],
  ["fec0::", 10],
  ["ff00::", 8],
] as const) {
  NON_PUBLIC.addSubnet(net, bits, "ipv6");
}

/** False for private, loopback, link-local, CGNAT, multicast and reserved addresses (IPv4-mapped IPv6 included). */
export function isPublicAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, "");
  const family = isIP(bare);
  if (family === 0) return false;
  if (family === 4) return !NON_PUBLIC.check(bare, "ipv4");
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped?.[1]) return !NON_PUBLIC.check(mapped[1], "ipv4");
  const mappedHex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(bare);
  if (mappedHex?.[1] && mappedHex[2]) {
    const hi = Number.parseInt(mappedHex[1], 16);
    const lo = Number.parseInt(mappedHex[2], 16);
    return !NON_PUBLIC.check(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`, "ipv4");
  }
  return !NON_PUBLIC.check(bare, "ipv6");
}

// Names that only mean something inside a cluster or a LAN.
const INTERNAL_SUFFIXES = [".localhost", ".local", ".internal", ".svc", ".cluster.local", ".home.arpa", ".lan", ".intranet", ".corp"];
const HOST_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const REPO_PATH = /^[A-Za-z0-9._~@+/-]+$/;
const SSH_USER = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

function hostAllowed(host: string, allowed: readonly string[]): boolean {
  return allowed.some((entry) => {
    const e = entry.trim().toLowerCase();
    if (e === "*") return true;
    if (e.startsWith("*.")) return host.endsWith(e.slice(1)) && host.length > e.length - 1;
    return host === e;
  });
}

function checkHost(rawHost: string, policy: RepoUrlPolicy): string | null {
  const host = rawHost.toLowerCase().replace(/\.$/, "");
  const bare = host.replace(/^\[|\]$/g, "");
  if (isIP(bare)) {
    if (!isPublicAddress(bare)) return `host ${rawHost} is a private, loopback or link-local address`;
    if (!hostAllowed(bare, policy.allowedHosts)) return `host ${rawHost} is not on the allowlist (${policy.allowedHosts.join(", ")})`;
    return null;
  }
  const labels = host.split(".");
  if (labels.length < 2) return `host ${JSON.stringify(rawHost)} is not a public domain name (cluster-internal names are refused)`;
  if (!labels.every((l) => HOST_LABEL.test(l))) return `host ${JSON.stringify(rawHost)} is not a valid domain name`;
  // A numeric last label means an IPv4 address in disguise (127.1, 0x7f.1): resolvers accept those.
  if (/^(0x[0-9a-f]*|\d+)$/.test(labels[labels.length - 1] ?? "")) return `host ${JSON.stringify(rawHost)} looks like a numeric address`;
  if (host === "localhost" || INTERNAL_SUFFIXES.some((s) => host.endsWith(s))) {
    return `host ${rawHost} is an internal name`;
  }
  if (!hostAllowed(host, policy.allowedHosts)) return `host ${rawHost} is not on the allowlist (${policy.allowedHosts.join(", ")})`;
  return null;
}

/** `path` (absolute, without '.' or '..' segments: checkPath refused those) is one of `roots` or inside one. */
export function underFileRoot(path: string, roots: readonly string[]): boolean {
  const clean = path.replace(/\/+$/, "") || "/";
  return roots.some((root) => {
    const r = root.replace(/\/+$/, "");
    return r !== "" && (clean === r || clean.startsWith(`${r}/`));
  });
}

function checkPath(path: string): string | null {
  if (!path || path === "/") return "the URL has no repository path";
  if (path.split("/").some((segment) => segment === ".." || segment === "." || segment.startsWith("-"))) {
    return "the repository path must not contain '.', '..' or segments starting with '-'";
  }
  if (!REPO_PATH.test(path)) return "the repository path may contain only letters, digits and . _ ~ @ + / -";
  return null;
}

/**
 * Validates a repository URL against the policy. Accepted forms: `https://host/owner/repo(.git)`,
 * `ssh://[user@]host[:port]/owner/repo`, `user@host:owner/repo` (scp-like) and, only when the
 * policy allows, `file:///absolute/path`. Credentials in the URL are refused (they would end up
 * in logs and Job specs); so are query strings, fragments and anything that git could read as an
 * option.
 */
export function checkRepoUrl(raw: string, policy: RepoUrlPolicy): RepoUrlCheck {
  const fail = (message: string): RepoUrlCheck => ({ ok: false, message });
  const value = raw.trim();
  if (!value) return fail("must not be empty");
  if (value.length > REPO_URL_MAX_CHARS) return fail(`at most ${REPO_URL_MAX_CHARS} characters`);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\s\u0000-\u001f\u007f\\]/.test(value)) return fail("must not contain spaces, control characters or backslashes");
  if (value.startsWith("-")) return fail("must not start with '-'");
  // Checked on the raw text: URL parsing would silently resolve dot segments away.
  if (/(^|[/:])\.\.?(\/|$)/.test(value.replace(/^[a-z]+:\/\//, ""))) {
    return fail("the repository path must not contain '.', '..' or segments starting with '-'");
  }

  const scp = /^([A-Za-z0-9][A-Za-z0-9._-]{0,63})@([A-Za-z0-9.-]+|\[[0-9a-fA-F:.]+\]):(?!\/\/)(.+)$/.exec(value);
  if (scp && !value.includes("://")) {
    const [, user = "", host = "", path = ""] = scp;
    const hostProblem = checkHost(host, policy);
    if (hostProblem) return fail(hostProblem);
    const pathProblem = checkPath(path.replace(/^\//, ""));
    if (pathProblem) return fail(pathProblem);
    return { ok: true, repo: { kind: "ssh", host: host.toLowerCase(), port: null, path, url: `${user}@${host.toLowerCase()}:${path}` } };
  }

  // An https:// or ssh:// URL whose user part has passed its scheme's own rules.
  const networkRepo = (kind: "https" | "ssh", url: URL): RepoUrlCheck => {
    const hostProblem = checkHost(url.hostname, policy);
    if (hostProblem) return fail(hostProblem);
    const path = decodeURIComponent(url.pathname);
    const pathProblem = checkPath(path.replace(/^\//, ""));
    if (pathProblem) return fail(pathProblem);
    const port = url.port ? Number(url.port) : null;
    return { ok: true, repo: { kind, host: url.hostname.toLowerCase(), port, path, url: url.toString() } };
  };

  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return fail("expected an https:// or ssh:// git URL, or user@host:owner/repo");
  }
  if (url.search || url.hash || value.includes("?") || value.includes("#")) return fail("must not have a query string or fragment");

  switch (url.protocol) {
    case "https:":
      if (url.username || url.password) return fail("must not contain credentials; private repositories need a deploy key or token Secret");
      return networkRepo("https", url);
    case "ssh:":
      if (url.password) return fail("must not contain a password");
      if (url.username && !SSH_USER.test(url.username)) return fail("the ssh user name may contain only letters, digits and . _ -");
      return networkRepo("ssh", url);
    case "file:": {
      if (policy.fileRoots.length === 0) return fail("file:// repositories are not allowed on this deployment");
      if (url.host) return fail("file:// URLs must have no host (file:///absolute/path)");
      let path: string;
      try {
        path = decodeURIComponent(url.pathname);
      } catch {
        return fail("the file:// path is not valid percent-encoding");
      }
      const pathProblem = checkPath(path.replace(/^\//, ""));
      if (pathProblem) return fail(pathProblem);
      if (!underFileRoot(path, policy.fileRoots))
        return fail(`file:// repositories must be under ${policy.fileRoots.join(" or ")} on this deployment (ALLOW_FILE_REPOS)`);
      return { ok: true, repo: { kind: "file", host: null, port: null, path, url: url.toString() } };
    }
    case "http:":
      return fail("use https:// (plain http is refused)");
    case "git:":
      return fail("the git:// protocol is unauthenticated and refused; use https://");
    default:
      return fail(`unsupported scheme ${url.protocol.replace(/:$/, "")}; use https:// or ssh://`);
  }
}

/**
 * The same host rules for any URL a user gives that a service will fetch (trend feeds): no
 * loopback, private, link-local or reserved address literals, no internal or single-label names,
 * no numeric disguises. A name's addresses must still be checked when it is resolved.
 */
export function publicHostProblem(host: string): string | null {
  return checkHost(host, { allowedHosts: ["*"], fileRoots: [] });
}
