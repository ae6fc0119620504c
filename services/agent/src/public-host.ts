import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { isPublicAddress } from "@threads-agent/contracts";
import { AgentError } from "./agent-error.ts";

export type Resolve = (host: string) => Promise<string[]>;

const systemResolve: Resolve = async (host) => (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

/**
 * Resolves the repository host and refuses it when any address is not public: a public name can
 * point at 10.x or 169.254.169.254 (DNS rebinding, cloud metadata). The addresses returned are
 * pinned for the clone, so git cannot resolve the name differently a moment later.
 */
export async function resolvePublicHost(host: string, resolve: Resolve = systemResolve): Promise<string[]> {
  const bare = host.replace(/^\[|\]$/g, "");
  let addresses: string[];
  try {
    addresses = isIP(bare) ? [bare] : await resolve(bare);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new AgentError("repo_unreachable", `cannot resolve ${host}${code ? ` (${code})` : ""}: check the repository URL`);
  }
  if (addresses.length === 0) throw new AgentError("repo_unreachable", `${host} has no addresses`);
  const blocked = addresses.find((a) => !isPublicAddress(a));
  if (blocked) throw new AgentError("repo_refused", `${host} resolves to ${blocked}, a private or internal address; refusing to clone`, 2);
  return addresses;
}
