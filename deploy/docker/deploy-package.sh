#!/bin/sh
# Image build step: a pruned, self-contained copy of one workspace package in $2, after
# deploy/docker/compile.mjs. `pnpm deploy` installs the package's dependencies (production only
# unless $3 is "--dev") with its workspace dependencies copied in, as compiled JavaScript.
#   deploy-package.sh @threads-agent/worker /out [--dev]
set -eu
package=$1
out=$2
mode=${3:-}
rm -rf "$out"
if [ "$mode" = "--dev" ]; then
  pnpm --filter "$package" deploy "$out"
else
  pnpm --filter "$package" deploy --prod "$out"
fi
# The generated Prisma client lives next to @prisma/client in the store layout; `pnpm deploy`
# installs @prisma/client afresh, without it, so copy the one generated from our schema.
generated=$(ls -d node_modules/.pnpm/@prisma+client@*/node_modules/.prisma 2>/dev/null | head -n 1 || true)
for target in "$out"/node_modules/.pnpm/@prisma+client@*/node_modules; do
  [ -d "$target" ] && [ -n "$generated" ] && rm -rf "$target/.prisma" && cp -R "$generated" "$target/"
done
# @prisma/client ships its WebAssembly engines for every database and source maps (~70 MB); we
# use PostgreSQL only.
for runtime in "$out"/node_modules/.pnpm/@prisma+client@*/node_modules/@prisma/client/runtime; do
  [ -d "$runtime" ] || continue
  find "$runtime" \( -name '*cockroachdb*' -o -name '*mysql*' -o -name '*sqlserver*' -o -name '*sqlite*' -o -name '*.map' \) -delete
done
# Lockfile and workspace files pnpm leaves behind are not needed at run time.
rm -f "$out/pnpm-lock.yaml" "$out/pnpm-workspace.yaml"
echo "deployed $package to $out ($(du -sh "$out" | cut -f1))"
