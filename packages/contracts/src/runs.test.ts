import { describe, expect, it } from "vitest";
import { checkRepoUrl, isPublicAddress, type RepoUrlPolicy } from "./repo-url.ts";
import { createRunSchema, finalRunStatus, resolveVariations } from "./runs.ts";

const policy: RepoUrlPolicy = { allowedHosts: ["github.com", "*.example.org"], fileRoots: [] };

describe("checkRepoUrl", () => {
  it.each([
    ["https://github.com/acme/widgets", "https", "github.com"],
    ["https://github.com/acme/widgets.git", "https", "github.com"],
    ["https://GitHub.com/acme/widgets", "https", "github.com"],
    ["https://git.example.org/team/repo", "https", "git.example.org"],
    ["ssh://git@github.com/acme/widgets.git", "ssh", "github.com"],
    ["ssh://git@github.com:2222/acme/widgets.git", "ssh", "github.com"],
    ["git@github.com:acme/widgets.git", "ssh", "github.com"],
  ])("accepts %s", (url, kind, host) => {
    const result = checkRepoUrl(url, policy);
    expect(result).toMatchObject({ ok: true, repo: { kind, host } });
  });

  it.each([
    ["http://github.com/acme/widgets", /plain http/],
    ["git://github.com/acme/widgets", /git:\/\/ protocol/],
    ["ftp://github.com/acme/widgets", /unsupported scheme ftp/],
    ["https://gitlab.com/acme/widgets", /not on the allowlist/],
    ["https://example.org/acme/widgets", /not on the allowlist/],
    ["https://user:token@github.com/acme/widgets", /credentials/],
    ["https://github.com/acme/widgets?x=1", /query string/],
    ["https://github.com/acme/widgets#main", /fragment/],
    ["https://github.com/", /no repository path/],
    ["https://github.com/acme/../etc", /'\.\.'/],
    ["https://github.com/acme/--upload-pack=evil", /starting with '-'/],
    ["https://github.com/acme/wid gets", /spaces/],
    ["https://github.com/acme/w\nidgets", /control characters/],
    ["--upload-pack=evil", /start with '-'/],
    ["https://127.0.0.1/acme/widgets", /private, loopback/],
    ["https://0x7f000001/acme/widgets", /private, loopback/],
    ["https://[::1]/acme/widgets", /private, loopback/],
    ["https://169.254.169.254/latest/meta-data", /private, loopback/],
    ["https://10.0.0.5/acme/widgets", /private, loopback/],
    ["https://[::ffff:10.0.0.1]/acme/widgets", /private, loopback/],
    ["https://localhost/acme/widgets", /not a public domain name/],
    ["https://redis/acme/widgets", /not a public domain name/],
    ["https://kubernetes.default.svc/acme", /internal name/],
    ["https://metadata.google.internal/computeMetadata", /internal name/],
    ["ssh://git@127.1/acme/widgets", /numeric address/],
    ["git@10.1.2.3:acme/widgets.git", /private, loopback/],
    ["git@github.com:-oProxyCommand=evil", /starting with '-'/],
    ["ssh://-oProxyCommand=evil@github.com/acme/widgets", /ssh user name|unsupported|expected/],
    ["file:///tmp/repo", /not allowed on this deployment/],
    ["not a url", /spaces/],
    ["github.com/acme/widgets", /expected an https/],
  ])("refuses %s", (url, message) => {
    const result = checkRepoUrl(url, policy);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(message);
  });

  it("accepts file:// only when the policy allows it, and only absolute paths without a host", () => {
    const allowFile = { ...policy, fileRoots: ["/tmp", "/home/dev/src"] };
    expect(checkRepoUrl("file:///tmp/repo-1", allowFile)).toMatchObject({ ok: true, repo: { kind: "file", path: "/tmp/repo-1" } });
    expect(checkRepoUrl("file:///home/dev/src/app", allowFile)).toMatchObject({ ok: true });
    expect(checkRepoUrl("file://host/tmp/repo", allowFile)).toMatchObject({ ok: false });
    // Only under the allowed roots: not the machine's other directories, not a look-alike prefix, no way out with '..'.
    for (const outside of [
      "file:///etc",
      "file:///etc/passwd",
      "file:///tmpfoo/repo",
      "file:///tmp/../etc",
      "file:///tmp/%2e%2e/etc",
      "file:///home/dev",
    ])
      expect(checkRepoUrl(outside, allowFile), outside).toMatchObject({ ok: false });
    expect(checkRepoUrl("file:///etc", allowFile)).toMatchObject({
      message: expect.stringMatching(/must be under \/tmp or \/home\/dev\/src/),
    });
  });

  it("with `*` accepts any public host but still refuses internal ones", () => {
    const any = { allowedHosts: ["*"], fileRoots: [] };
    expect(checkRepoUrl("https://git.sr.ht/~user/repo", any).ok).toBe(true);
    expect(checkRepoUrl("https://192.168.1.10/acme/repo", any).ok).toBe(false);
    expect(checkRepoUrl("https://gitea.svc.cluster.local/acme/repo", any).ok).toBe(false);
  });
});

describe("isPublicAddress", () => {
  it.each([
    ["8.8.8.8", true],
    ["140.82.112.3", true],
    ["2606:4700::1111", true],
    ["127.0.0.1", false],
    ["10.1.2.3", false],
    ["172.16.0.1", false],
    ["192.168.0.1", false],
    ["169.254.169.254", false],
    ["100.64.0.1", false],
    ["0.0.0.0", false],
    ["::1", false],
    ["fe80::1", false],
    ["fd00::1", false],
    ["::ffff:127.0.0.1", false],
    ["::ffff:7f00:1", false],
    ["not-an-ip", false],
  ])("%s -> %s", (address, expected) => {
    expect(isPublicAddress(address)).toBe(expected);
  });
});

describe("create run body", () => {
  it("takes a count or per-variation settings, bounded by the deployment's maximum", () => {
    const schema = createRunSchema(3);
    expect(schema.parse({ repo_url: "https://github.com/a/b", prompt: "x", variations: 3 }).variations).toBe(3);
    expect(schema.safeParse({ repo_url: "https://github.com/a/b", prompt: "x", variations: 4 }).success).toBe(false);
    expect(schema.safeParse({ repo_url: "https://github.com/a/b", prompt: "x", variations: [{ temperature: 3 }] }).success).toBe(false);
    expect(schema.safeParse({ repo_url: "https://github.com/a/b", prompt: "x", variations: [{ model: "$(KEY)" }] }).success).toBe(false);
    expect(schema.safeParse({ repo_url: "https://github.com/a/b", prompt: "  ", variations: 1 }).success).toBe(false);
    expect(schema.safeParse({ repo_url: "https://github.com/a/b", prompt: "x", extra: 1 }).success).toBe(false);
  });

  it("spreads temperatures when none are given, and honours explicit settings", () => {
    expect(resolveVariations({ variations: 3 })).toEqual([
      { index: 0, model: null, temperature: 0.2 },
      { index: 1, model: null, temperature: 0.6 },
      { index: 2, model: null, temperature: 1 },
    ]);
    expect(resolveVariations({ variations: 1 })).toEqual([{ index: 0, model: null, temperature: 0.7 }]);
    expect(resolveVariations({ variations: 2, model: "gpt-4o-mini", temperature: 0.5 })).toEqual([
      { index: 0, model: "gpt-4o-mini", temperature: 0.5 },
      { index: 1, model: "gpt-4o-mini", temperature: 0.5 },
    ]);
    expect(resolveVariations({ variations: [{ model: "claude-x" }, { temperature: 0 }], model: "gpt-4o-mini" })).toEqual([
      { index: 0, model: "claude-x", temperature: 0.2 },
      { index: 1, model: "gpt-4o-mini", temperature: 0 },
    ]);
  });
});

describe("finalRunStatus", () => {
  it("is succeeded only when every variation succeeded", () => {
    expect(finalRunStatus(["succeeded", "succeeded"])).toBe("succeeded");
    expect(finalRunStatus(["succeeded", "failed"])).toBe("partially_failed");
    expect(finalRunStatus(["succeeded", "cancelled"])).toBe("partially_failed");
    expect(finalRunStatus(["failed", "failed"])).toBe("failed");
    expect(finalRunStatus([])).toBe("failed");
  });
});
