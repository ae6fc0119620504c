// Developer tooling that cannot run here (no Docker, k3d or Tilt on CI machines) is checked for what
// can be checked offline: the justfile parses and documents every recipe, the Tiltfile parses
// (Starlark is Python syntax) and wires resources that the chart really renders, the Dockerfile
// pins Node and runs as non-root, the k3d config has a registry the values files use, and
// scripts/tools.sh is idempotent.
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { ensureTools, hasCommand, type K8sObject, ROOT, run, tool } from "./chart-helpers.ts";

beforeAll(() => ensureTools());

const REQUIRED_RECIPES = [
  "bootstrap",
  "images",
  "deploy-dev",
  "up",
  "down",
  "logs",
  "e2e",
  "test",
  "unit",
  "lint",
  "check",
  "dev",
  "demo",
  "jaeger-ui",
  "grafana",
  "reset-hard",
];

describe("justfile", () => {
  it("`just --summary` lists every recipe the issue names", () => {
    const result = run(tool("just"), ["--summary"]);
    expect(result.status, result.stderr).toBe(0);
    const recipes = result.stdout.trim().split(/\s+/);
    for (const r of REQUIRED_RECIPES) expect(recipes, r).toContain(r);
  });

  it("documents every recipe, so `just --list` explains it", () => {
    const dump = run(tool("just"), ["--dump", "--dump-format", "json"]);
    expect(dump.status, dump.stderr).toBe(0);
    const recipes = JSON.parse(dump.stdout).recipes as Record<string, { doc: string | null }>;
    const undocumented = Object.entries(recipes)
      .filter(([, r]) => !r.doc)
      .map(([name]) => name);
    expect(undocumented).toEqual([]);
    const list = run(tool("just"), ["--list"]);
    expect(list.stdout).toMatch(/up\s+# Cluster, images and deployment in one go/);
  });

  it("`up` is bootstrap, images and deploy-dev; `logs` takes an optional service", () => {
    const recipes = JSON.parse(run(tool("just"), ["--dump", "--dump-format", "json"]).stdout).recipes;
    expect(recipes.up.dependencies.map((d: { recipe: string }) => d.recipe)).toEqual(["bootstrap", "images", "deploy-dev"]);
    expect(recipes.logs.parameters[0]).toMatchObject({ name: "service", default: "" });
    expect(recipes["reset-hard"].attributes).toEqual(expect.arrayContaining([expect.objectContaining({ confirm: expect.any(String) })]));
  });

  it("deploy-dev installs the chart with values-dev.yaml under names the other recipes use", () => {
    const dry = run(tool("just"), ["--dry-run", "deploy-dev"], { env: { TAG: "abc123" } });
    expect(dry.stderr).toContain("helm upgrade --install threads-agent chart");
    expect(dry.stderr).toContain("-f chart/values-dev.yaml --set fullnameOverride=threads-agent");
    expect(dry.stderr).toContain("--set global.imageTag=abc123");
  });
});

describe("Tiltfile", () => {
  const source = () => readFileSync(path.join(ROOT, "Tiltfile"), "utf8");

  it.skipIf(!hasCommand("python3"))("parses (Starlark is a Python subset) and uses only Starlark-safe syntax", () => {
    // ast.parse for syntax; then refuse Python-only constructs Starlark rejects.
    const script = `
import ast, json, sys
tree = ast.parse(open(sys.argv[1]).read())
bad = [type(n).__name__ for n in ast.walk(tree) if isinstance(n, (ast.While, ast.ClassDef, ast.Try, ast.With, ast.Import, ast.ImportFrom, ast.Global, ast.Nonlocal, ast.Yield, ast.Await, ast.AsyncFunctionDef))]
calls = {}
for n in ast.walk(tree):
    if isinstance(n, ast.Call) and isinstance(n.func, ast.Name):
        calls[n.func.id] = calls.get(n.func.id, 0) + 1
data = {}
for n in tree.body:
    if isinstance(n, ast.Assign) and isinstance(n.targets[0], ast.Name) and n.targets[0].id in ("SERVICES", "BACKING", "RELEASE", "NAMESPACE"):
        data[n.targets[0].id] = ast.literal_eval(n.value)
print(json.dumps({"bad": bad, "calls": calls, "data": data}))
`;
    const result = run("python3", ["-c", script, path.join(ROOT, "Tiltfile")]);
    expect(result.status, result.stderr).toBe(0);
    const { bad, calls, data } = JSON.parse(result.stdout);
    expect(bad).toEqual([]);
    for (const fn of ["docker_build", "k8s_yaml", "helm", "k8s_resource", "local_resource", "sync", "run", "fall_back_on"]) {
      expect(calls[fn], fn).toBeGreaterThan(0);
    }
    expect(Object.keys(data.SERVICES).sort()).toEqual(["agent-launcher", "fake-threads", "orchestrator", "persona-runtime", "worker"]);
  });

  it("wires k8s_resource names, images and sets that the chart renders with the same values", () => {
    const text = source();
    // The helm set list, as the Tiltfile passes it.
    const setBlock = text.slice(text.indexOf("set = ["), text.indexOf("]", text.indexOf("set = [")));
    const sets = [...setBlock.matchAll(/^\s*"([^"]+)"(?:\s*\+\s*([A-Z_]+))?,/gm)].map(([, literal, variable]) => {
      const value = variable ? (text.match(new RegExp(`^${variable} = "([^"]+)"`, "m"))?.[1] ?? "") : "";
      return literal + value;
    });
    expect(sets).toContain("fullnameOverride=threads-agent");
    const args = [
      "template",
      "threads-agent",
      path.join(ROOT, "chart"),
      "-n",
      "threads-agent",
      "-f",
      path.join(ROOT, "chart/values-dev.yaml"),
    ];
    for (const s of sets) args.push("--set", s);
    const rendered = run(tool("helm"), args);
    expect(rendered.status, rendered.stderr).toBe(0);
    const objects = rendered.stdout
      .split(/^---$/m)
      .map((doc) => parseYaml(doc) as K8sObject | null)
      .filter((o): o is K8sObject => Boolean(o));
    const names = new Set(objects.map((o) => o.metadata.name));
    // Every k8s_resource workload exists (RELEASE + "-" + name).
    const workloads = [...text.matchAll(/^\s{4}"([a-z-]+)": \(?\[/gm)].map(([, n]) => `threads-agent-${n}`);
    expect(workloads.length).toBeGreaterThanOrEqual(10);
    for (const w of [...workloads, "threads-agent-migrate"]) expect(names.has(w), w).toBe(true);
    // Every image the pods use is one Tilt builds (docker_build) or a pinned third-party image.
    const built = new Set([
      "threads-agent/migrate",
      ...[...text.matchAll(/^ {4}"([a-z-]+)": \(\[/gm)].map(([, n]) => `threads-agent/${n}`),
    ]);
    const images = objects.flatMap((o) => {
      const spec = o.spec?.template?.spec ?? (o.kind === "Pod" ? o.spec : null);
      return spec ? [...(spec.initContainers ?? []), ...spec.containers].map((c: { image: string }) => c.image) : [];
    });
    for (const image of images) {
      const repo = image.split(":")[0] ?? image;
      expect(built.has(repo) || !repo.startsWith("threads-agent/"), `${image} has no docker_build`).toBe(true);
    }
    // Tilt's live updates need a writable root filesystem; hooks are off in Tilt.
    expect(objects.some((o) => o.kind === "Pod")).toBe(false);
    // The agent image Tilt pushes under a moving tag: the launcher's Jobs use it and always pull it.
    const agentImage = text.match(/^AGENT_IMAGE = "([^"]+)"/m)?.[1];
    const launcher = objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === "threads-agent-agent-launcher");
    expect(launcher?.data.AGENT_IMAGE).toBe(`${agentImage}:tilt`);
    expect(launcher?.data.AGENT_IMAGE_PULL_POLICY).toBe("Always");
  });
});

describe("deploy/", () => {
  const dockerfile = () => readFileSync(path.join(ROOT, "deploy", "Dockerfile"), "utf8");

  it("Dockerfile: Node pinned to an exact 24.x version, multi-stage, non-root, every target present", () => {
    const text = dockerfile();
    const version = text.match(/^ARG NODE_VERSION=(\S+)$/m)?.[1];
    expect(version).toMatch(/^24\.\d+\.\d+$/);
    expect(readFileSync(path.join(ROOT, ".nvmrc"), "utf8").trim()).toBe(version?.split(".")[0]);
    const froms = [...text.matchAll(/^FROM (\S+)(?: AS (\S+))?$/gm)].map(([, image, stage]) => ({ image, stage }));
    for (const f of froms)
      expect(f.image === `node:\${NODE_VERSION}-bookworm-slim` || froms.some((g) => g.stage === f.image), `FROM ${f.image}`).toBe(true);
    const stages = froms.map((f) => f.stage);
    for (const target of ["dev", "service", "agent", "migrate"]) expect(stages).toContain(target);
    // Every final image switches to a non-root user after its last RUN/COPY.
    for (const target of ["dev", "service", "agent", "migrate"]) {
      const body = text.slice(text.indexOf(` AS ${target}\n`)).split(/^FROM /m)[0]!;
      expect(body, target).toMatch(/^USER (1000:1000|node)$/m);
      expect(body.slice(body.search(/^USER /m)), target).not.toMatch(/^(RUN|COPY) /m);
    }
    // Production images carry compiled JavaScript only, run with dist/main.js.
    expect(text).toMatch(/deploy-package\.sh "@threads-agent\/\$\{SERVICE\}" \/out\n/);
    expect(text).toContain('CMD ["node", "--enable-source-maps", "dist/main.js"]');
    for (const script of [
      "deploy/docker/compile.mjs",
      "deploy/docker/deploy-package.sh",
      "deploy/docker/seed.mjs",
      "deploy/tsconfig.build.json",
    ]) {
      expect(readFileSync(path.join(ROOT, script), "utf8").length, script).toBeGreaterThan(0);
    }
  });

  it("Dockerfile: the agent image has Node 24, git >= 2.37 (checked at build), ssh, uid 1000, and writes only to /workspace and /tmp", () => {
    const text = dockerfile();
    const agent = text.slice(text.indexOf(" AS agent\n")).split(/^FROM /m)[0]!;
    // Node 24: the stage is built FROM the pinned node image (checked above), not a stage with another runtime.
    expect(text).toMatch(/^FROM node:\$\{NODE_VERSION\}-bookworm-slim AS agent$/m);
    expect(agent).toMatch(/apt-get install -y --no-install-recommends [^\n]*\bgit\b/);
    expect(agent).toMatch(/apt-get install -y --no-install-recommends [^\n]*\bopenssh-client\b/);
    expect(agent).toMatch(/apt-get install -y --no-install-recommends [^\n]*\bca-certificates\b/);
    // http.curloptResolve (the agent's DNS pinning) needs git 2.37: an older git fails the build.
    expect(agent).toMatch(/dpkg --compare-versions "\$git_version" ge 2\.37/);
    expect(agent).toMatch(/^USER 1000:1000$/m);
    // HOME on /tmp (git and node caches), the checkout in /workspace: the Job's two emptyDirs.
    expect(agent).toMatch(/^ENV [^\n]*\bHOME=\/tmp\b/m);
    expect(agent).toMatch(/^ENV [^\n]*\bAGENT_WORKDIR=\/workspace\b/m);
    expect(agent).toMatch(/mkdir -p \/workspace && chown 1000:1000 \/workspace/);
    // Runs the compiled agent through its entrypoint: the launcher's Jobs set no command or args.
    expect(agent).toContain('CMD ["node", "--enable-source-maps", "dist/main.js"]');
    expect(text).toContain('deploy-package.sh "@threads-agent/agent" /out');
  });

  it("the image build's compile step emits JavaScript for every service entry point", () => {
    // deploy/tsconfig.build.json as the image build runs it (deploy/docker/compile.mjs), into a temp dir.
    const out = mkdtempSync(path.join(tmpdir(), "ta-compile-"));
    const tsc = path.join(ROOT, "node_modules", ".bin", "tsc");
    const result = run(tsc, ["-p", path.join(ROOT, "deploy", "tsconfig.build.json"), "--outDir", out]);
    expect(result.status, result.stdout + result.stderr).toBe(0);
    for (const service of readdirSync(path.join(ROOT, "services"))) {
      if (!existsSync(path.join(ROOT, "services", service, "src", "main.ts"))) continue;
      const main = path.join(out, "services", service, "src", "main.js");
      expect(existsSync(main), `services/${service}/src/main.ts -> main.js`).toBe(true);
      // Relative imports are rewritten to .js (rewriteRelativeImportExtensions).
      expect(readFileSync(main, "utf8")).not.toMatch(/from "\.{1,2}\/[^"]+\.ts"/);
    }
    rmSync(out, { recursive: true, force: true });
  });

  it("Dockerfile.dockerignore keeps node_modules, build output and secrets out of the context", () => {
    const ignore = readFileSync(path.join(ROOT, "deploy", "Dockerfile.dockerignore"), "utf8");
    for (const entry of ["**/node_modules", "**/dist", ".git", ".tools", ".env"]) expect(ignore).toContain(entry);
  });

  it("k3d config creates the registry the dev and CI values pull from", () => {
    const config = parseYaml(readFileSync(path.join(ROOT, "deploy", "k3d.yaml"), "utf8"));
    expect(config.apiVersion).toBe("k3d.io/v1alpha5");
    expect(config.kind).toBe("Simple");
    expect(config.metadata.name).toBe("threads-agent");
    expect(config.image).toMatch(/^rancher\/k3s:v1\.\d+\.\d+-k3s\d+$/);
    const registry = `${config.registries.create.name}:${config.registries.create.hostPort}`;
    for (const file of ["values-dev.yaml", "values-ci.yaml"]) {
      const values = parseYaml(readFileSync(path.join(ROOT, "chart", file), "utf8"));
      expect(values.global.imageRegistry, file).toBe(registry);
    }
    expect(readFileSync(path.join(ROOT, "justfile"), "utf8")).toContain(`cluster_registry := "${registry}"`);
  });
});

/**
 * A sandbox PATH for scripts/tools.sh's Debian-package step: a fake apt-get that records its calls,
 * fails `install` until `update` has run (like a fresh container without package lists) and then
 * "installs" promtool and chromium; a fake `id`; and only the few real commands the script needs.
 */
function aptSandbox(options: { uid: number; have: string[] }) {
  const dir = mkdtempSync(path.join(tmpdir(), "ta-apt-"));
  const bin = path.join(dir, "bin");
  const calls = path.join(dir, "calls");
  run("mkdir", ["-p", bin]);
  for (const command of ["cat", "dirname", "mktemp", "rm", "tail", "mkdir", "sed"]) {
    const real = run("sh", ["-c", `command -v ${command}`]).stdout.trim();
    symlinkSync(real, path.join(bin, command));
  }
  const script = (name: string, body: string) => {
    writeFileSync(path.join(bin, name), `#!/bin/bash\n${body}\n`);
    chmodSync(path.join(bin, name), 0o755);
  };
  script("id", `echo ${options.uid}`);
  // The emoji font tools.sh looks for (EMOJI_FONT), "installed" by having it or by the fake apt-get.
  const font = path.join(dir, "NotoColorEmoji.ttf");
  for (const tool of options.have) {
    if (tool === "emoji-font") writeFileSync(font, "");
    else script(tool, "exit 0");
  }
  script(
    "apt-get",
    [
      `echo "$*" >> ${calls}`,
      `case " $* " in`,
      `  *" update "*) : > ${dir}/updated ;;`,
      `  *" install "*)`,
      `    [ -e ${dir}/updated ] || { echo "E: Unable to locate package" >&2; exit 100; }`,
      `    for p in "$@"; do case "$p" in prometheus) n=promtool ;; chromium) n=chromium ;; fonts-noto-color-emoji) : > ${font}; continue ;; *) continue ;; esac`,
      `      printf '#!/bin/bash\\nexit 0\\n' > ${bin}/$n; /bin/chmod +x ${bin}/$n; done ;;`,
      `esac`,
    ].join("\n"),
  );
  const runTools = (...args: string[]) =>
    run("/bin/bash", [path.join(ROOT, "scripts", "tools.sh"), ...args], { env: { PATH: bin, EMOJI_FONT: font } });
  const aptCalls = () => (existsSync(calls) ? readFileSync(calls, "utf8").trim().split("\n") : []);
  return { runTools, aptCalls, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

describe("scripts/tools.sh", () => {
  it("is idempotent: a second run installs nothing and prints nothing", () => {
    const result = run("bash", [path.join(ROOT, "scripts", "tools.sh")]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toBe("");
    expect(run(tool("helm"), ["version", "--short"]).stdout).toMatch(/^v4\./);
    expect(run(tool("kubectl"), ["version", "--client"]).stdout).toMatch(/Client Version: v1\.35\./);
    expect(run(tool("just"), ["--version"]).stdout).toMatch(/^just \d/);
  });

  it("--promtool --chromium: nothing to do is silent and never calls apt-get", () => {
    const box = aptSandbox({ uid: 0, have: ["promtool", "chromium", "emoji-font"] });
    try {
      const result = box.runTools("--promtool", "--chromium");
      expect(result.status, result.stderr).toBe(0);
      expect(result.stderr).toBe("");
      expect(box.aptCalls()).toEqual([]);
    } finally {
      box.cleanup();
    }
  });

  it("--promtool --chromium as root: one apt-get install of what is missing, one update only when needed, then quiet", () => {
    const box = aptSandbox({ uid: 0, have: [] });
    try {
      const first = box.runTools("--promtool", "--chromium");
      expect(first.status, first.stderr).toBe(0);
      const calls = box.aptCalls();
      expect(calls.filter((c) => /(^| )update( |$)/.test(c))).toHaveLength(1);
      expect(calls.map((c) => c.replace(/^.*\binstall\b.*?((?: [a-z][a-z0-9.+-]*)+)$/, "install$1"))).toEqual([
        "install prometheus chromium fonts-noto-color-emoji",
        "update -q",
        "install prometheus chromium fonts-noto-color-emoji",
      ]);
      // Installed now: a second run does nothing and prints nothing.
      const second = box.runTools("--promtool", "--chromium");
      expect(second.status, second.stderr).toBe(0);
      expect(second.stderr).toBe("");
      expect(box.aptCalls()).toHaveLength(3);
    } finally {
      box.cleanup();
    }
  });

  it("installs only what is missing", () => {
    const box = aptSandbox({ uid: 0, have: ["promtool"] });
    try {
      expect(box.runTools("--promtool", "--chromium").status).toBe(0);
      const installs = box.aptCalls().filter((c) => c.startsWith("install "));
      expect(installs.length).toBeGreaterThan(0);
      for (const c of installs) expect(c).toMatch(/ --no-install-recommends chromium fonts-noto-color-emoji$/);
    } finally {
      box.cleanup();
    }
  });

  it("--chromium with Chromium present but no emoji font installs just the font", () => {
    const box = aptSandbox({ uid: 0, have: ["chromium"] });
    try {
      expect(box.runTools("--chromium").status).toBe(0);
      const installs = box.aptCalls().filter((c) => c.startsWith("install "));
      expect(installs.length).toBeGreaterThan(0);
      for (const c of installs) expect(c).toMatch(/ --no-install-recommends fonts-noto-color-emoji$/);
      expect(box.runTools("--chromium").stderr).toBe("");
    } finally {
      box.cleanup();
    }
  });

  it("without root: never calls apt-get, says what to install, and succeeds", () => {
    const box = aptSandbox({ uid: 1000, have: [] });
    try {
      const result = box.runTools("--promtool", "--chromium");
      expect(result.status, result.stderr).toBe(0);
      expect(box.aptCalls()).toEqual([]);
      expect(result.stderr).toContain("apt-get install prometheus");
      expect(result.stderr).toContain("apt-get install chromium");
      expect(result.stderr).toContain("apt-get install fonts-noto-color-emoji");
    } finally {
      box.cleanup();
    }
  });
});

describe("scripts/test", () => {
  it("installs promtool and chromium (root with apt-get only) before vitest, and a failure there does not stop the tests", () => {
    const text = readFileSync(path.join(ROOT, "scripts", "test"), "utf8");
    const install = text.search(/^\s*"\$ROOT\/scripts\/tools\.sh" --promtool --chromium \|\| /m);
    const guard = text.search(/^if \[ "\$\(id -u\)" = 0 \] && command -v apt-get >\/dev\/null; then$/m);
    const vitest = text.indexOf("pnpm exec vitest run");
    expect(guard).toBeGreaterThan(-1);
    expect(install).toBeGreaterThan(guard);
    expect(vitest).toBeGreaterThan(install);
    expect(run("bash", ["-n", path.join(ROOT, "scripts", "test")]).status).toBe(0);
  });
});
