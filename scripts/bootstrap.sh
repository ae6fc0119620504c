#!/usr/bin/env bash
# Installs everything the project needs, idempotently: Node 24 and pnpm (into .tools/ when the
# machine's Node is older), the workspace's packages, the generated Prisma client, the dashboard's
# build. Then checks that
# Redis and PostgreSQL answer. Sourced by scripts/up and scripts/test, so PATH changes carry over.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TOOLS="$ROOT/.tools"
NODE_MAJOR=24
PNPM_VERSION=12.21.0

log() { printf '\033[1;34m[bootstrap]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[bootstrap] %s\033[0m\n' "$*" >&2; exit 1; }

node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

# 1. Node 24: use the machine's when new enough, else a private copy from the npm registry.
if command -v node >/dev/null && [ "$(node_major node)" -ge "$NODE_MAJOR" ]; then
  :
elif [ -x "$TOOLS/node_modules/.bin/node" ] && [ "$(node_major "$TOOLS/node_modules/.bin/node")" -ge "$NODE_MAJOR" ]; then
  export PATH="$TOOLS/node_modules/.bin:$PATH"
else
  command -v npm >/dev/null || die "npm is needed to install Node $NODE_MAJOR (install Node.js from your package manager first)"
  log "installing Node $NODE_MAJOR into .tools/ (machine has $(node --version 2>/dev/null || echo none))"
  npm install --prefix "$TOOLS" --no-audit --no-fund --loglevel=error "node@$NODE_MAJOR" "pnpm@$PNPM_VERSION" >&2
  export PATH="$TOOLS/node_modules/.bin:$PATH"
fi

# 2. pnpm, pinned.
if ! command -v pnpm >/dev/null || [ "$(pnpm --version 2>/dev/null)" != "$PNPM_VERSION" ]; then
  if [ ! -x "$TOOLS/node_modules/.bin/pnpm" ] || [ "$("$TOOLS/node_modules/.bin/pnpm" --version)" != "$PNPM_VERSION" ]; then
    log "installing pnpm $PNPM_VERSION into .tools/"
    npm install --prefix "$TOOLS" --no-audit --no-fund --loglevel=error "pnpm@$PNPM_VERSION" >&2
  fi
  export PATH="$TOOLS/node_modules/.bin:$PATH"
fi

# 3. Workspace packages (a no-op when node_modules matches the lockfile).
cd "$ROOT"
if [ -f pnpm-lock.yaml ]; then
  pnpm install --frozen-lockfile --reporter=silent >&2 || die "pnpm install failed (see above)"
else
  pnpm install --reporter=silent >&2 || die "pnpm install failed (see above)"
fi

# 4. Generated Prisma client (not committed): regenerate when the schema is newer.
stamp="$ROOT/node_modules/.cache/prisma-generated"
schema="$ROOT/packages/db/prisma/schema.prisma"
if [ -f "$schema" ] && { [ ! -f "$stamp" ] || [ "$schema" -nt "$stamp" ]; }; then
  log "generating the Prisma client"
  # The schema reads DATABASE_URL; without it Prisma cannot see engineType = "client" and tries to
  # download a Rust engine (which fails offline). generate never connects, so any URL will do.
  if ! out=$(DATABASE_URL="${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/threads_agent}" CHECKPOINT_DISABLE=1 \
    pnpm --filter @threads-agent/db exec prisma generate 2>&1); then
    printf '%s\n' "$out" >&2
    die "prisma generate failed"
  fi
  mkdir -p "$(dirname "$stamp")" && touch "$stamp"
fi

# 5. The dashboard's build (packages/dashboard/dist, not committed), which the orchestrator serves:
#    rebuilt only when its sources, configuration or the lockfile changed (silent otherwise).
node "$ROOT/packages/dashboard/build.ts" --if-stale || die "the dashboard build failed (see above)"

# 6. Backing services: fail fast with instructions rather than a timeout deep inside a test.
node "$ROOT/scripts/check-backing-services.mjs" || exit 1
