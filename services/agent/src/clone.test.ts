import { checkRepoUrl } from "@threads-agent/contracts";
import { describe, expect, it } from "vitest";
import { cloneCommand } from "./clone.ts";

const repo = (url: string) => {
  const check = checkRepoUrl(url, { allowedHosts: ["github.com"], fileRoots: ["/tmp"] });
  if (!check.ok) throw new Error(check.message);
  return check.repo;
};

describe("cloneCommand", () => {
  it("allows only the URL's protocol, puts the URL after --, and pins vetted addresses for https", () => {
    const { args, env } = cloneCommand(repo("https://github.com/acme/widgets.git"), "/w/repo", ["140.82.112.3", "2606:50c0::1"]);
    expect(args.slice(-3)).toEqual(["--", "https://github.com/acme/widgets.git", "/w/repo"]);
    expect(args).toEqual(expect.arrayContaining(["protocol.allow=never", "protocol.https.allow=always", "core.symlinks=false"]));
    expect(args).toContain("http.curloptResolve=github.com:443:140.82.112.3,[2606:50c0::1]");
    expect(args).toEqual(expect.arrayContaining(["--depth", "1", "--single-branch", "--no-tags"]));
    expect(env).toMatchObject({ GIT_TERMINAL_PROMPT: "0", GIT_ALLOW_PROTOCOL: "https", GIT_CONFIG_NOSYSTEM: "1" });
    expect(env.GIT_SSH_COMMAND).toContain("BatchMode=yes");
  });

  it("allows file:// only for file URLs", () => {
    expect(cloneCommand(repo("file:///tmp/r"), "/w/repo").args).toContain("protocol.file.allow=always");
    expect(cloneCommand(repo("https://github.com/a/b"), "/w/repo").args).not.toContain("protocol.file.allow=always");
  });
});
