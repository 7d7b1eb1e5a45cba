#!/usr/bin/env bash
# Install the build and test tools SMS Workbook needs. Idempotent: every tool
# is checked with `--version` first, so a second run takes seconds.
#
#   bash scripts/setup-tools.sh             # Rust target/components, trunk, wasm-bindgen, wasm-opt
#   bash scripts/setup-tools.sh --browser   # ... plus Chromium, chromedriver and tests/e2e node_modules
#   bash scripts/setup-tools.sh --postgres  # ... plus PostgreSQL (pg_virtualenv), for the relay's tests
#   source scripts/setup-tools.sh [--browser] [--postgres]   # same, and leaves PATH set in your shell
#
# Needs: rustup, a C compiler, node/npm; apt-get for --browser and
# --postgres (as root or via sudo).
# Nothing is downloaded from GitHub: crates.io, npm and Debian packages only.

# Sourced: run the installer in a child bash (so `set -e` cannot close the
# caller's shell), then export the environment into the caller.
if [[ "${BASH_SOURCE[0]}" != "$0" ]]; then
  if bash "${BASH_SOURCE[0]}" "$@"; then
    # shellcheck source=scripts/env.sh
    source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
  else
    echo "setup-tools: failed (see above)" >&2
    return 1
  fi
  return 0
fi

set -euo pipefail

# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

want_browser=0
want_postgres=0
for arg in "$@"; do
  case "$arg" in
    --browser) want_browser=1 ;;
    --postgres) want_postgres=1 ;;
    -h|--help) sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "setup-tools: unknown option: $arg" >&2; exit 2 ;;
  esac
done

log() { printf 'setup-tools: %s\n' "$*"; }
die() { printf 'setup-tools: error: %s\n' "$*" >&2; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }

# First line of `<tool> --version`, or empty if the tool is missing/broken.
version_of() { "$@" --version 2>/dev/null | head -n1 || true; }

if [[ "$(id -u)" -eq 0 ]]; then SUDO=(); elif have sudo; then SUDO=(sudo); else SUDO=(); fi

have rustup || die "rustup not found (install a Rust toolchain first: https://rustup.rs)"
have cargo  || die "cargo not found on PATH"
have node   || die "node not found (Node.js 20+ is required)"
have npm    || die "npm not found"

# --- Rust target and components -------------------------------------------
if ! rustup target list --installed | grep -qx 'wasm32-unknown-unknown'; then
  log "adding Rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi
installed_components="$(rustup component list --installed)"
for comp in rustfmt clippy; do
  if ! grep -q "^${comp}" <<<"$installed_components"; then
    log "adding Rust component $comp"
    rustup component add "$comp"
  fi
done

# --- Trunk ------------------------------------------------------------------
# 0.22.x needs a newer rustc; --locked keeps its dependency set reproducible.
if [[ "$(version_of trunk)" != "trunk $SMS_TRUNK_VERSION" ]]; then
  log "installing trunk $SMS_TRUNK_VERSION (cargo install, several minutes)"
  cargo install "trunk@$SMS_TRUNK_VERSION" --locked
fi

# --- wasm-bindgen CLI (exactly the version in Cargo.lock) --------------------
lock="$SMS_ROOT/Cargo.lock"
wb_version=""
if [[ -f "$lock" ]]; then
  wb_version="$(awk '
    /^\[\[package\]\]/ { in_wb = 0 }
    /^name = "wasm-bindgen"$/ { in_wb = 1; next }
    in_wb && /^version = / { gsub(/^version = "|"$/, ""); print; exit }
  ' "$lock")"
fi
wb_version="${wb_version:-$SMS_WASM_BINDGEN_FALLBACK}"
if [[ "$(version_of wasm-bindgen)" != "wasm-bindgen $wb_version" ]] \
   || [[ "$(version_of wasm-bindgen-test-runner)" != "wasm-bindgen-test-runner $wb_version" ]]; then
  log "installing wasm-bindgen-cli $wb_version (cargo install, a few minutes)"
  # Deliberately without --locked: its lockfile pins a crate version the
  # registry mirror may lack.
  cargo install wasm-bindgen-cli --version "$wb_version" --force
fi

# --- wasm-opt (npm binaryen; never Debian's binaryen 108) -------------------
wasm_opt="$SMS_TOOLS_DIR/node_modules/.bin/wasm-opt"
if [[ "$(version_of "$wasm_opt")" != "wasm-opt version $SMS_BINARYEN_VERSION"* ]]; then
  log "installing wasm-opt from npm binaryen@$SMS_BINARYEN_VERSION into $SMS_TOOLS_DIR"
  mkdir -p "$SMS_TOOLS_DIR"
  [[ -f "$SMS_TOOLS_DIR/package.json" ]] \
    || printf '{ "name": "sms-workbook-tools", "private": true }\n' >"$SMS_TOOLS_DIR/package.json"
  npm install --prefix "$SMS_TOOLS_DIR" --save-exact --no-audit --no-fund --loglevel=error \
    "binaryen@$SMS_BINARYEN_VERSION"
  [[ "$(version_of "$wasm_opt")" == "wasm-opt version $SMS_BINARYEN_VERSION"* ]] \
    || die "wasm-opt $SMS_BINARYEN_VERSION not usable at $wasm_opt"
fi

# --- Browser and end-to-end test dependencies (--browser) -------------------
if (( want_browser )); then
  if [[ ! -x /usr/bin/chromium || ! -x /usr/bin/chromedriver ]]; then
    have apt-get || die "/usr/bin/chromium or /usr/bin/chromedriver missing and apt-get not available"
    if [[ "$(id -u)" -ne 0 && ${#SUDO[@]} -eq 0 ]]; then
      die "installing chromium needs root or sudo"
    fi
    log "installing chromium and chromium-driver (apt)"
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver
  fi

  e2e="$SMS_ROOT/tests/e2e"
  if [[ -f "$e2e/package-lock.json" ]]; then
    stamp="$e2e/node_modules/.sms-lock.sha256"
    lock_sum="$(sha256sum "$e2e/package-lock.json" | cut -d' ' -f1)"
    if [[ ! -d "$e2e/node_modules" || ! -f "$stamp" || "$(cat "$stamp")" != "$lock_sum" ]]; then
      log "npm ci in tests/e2e"
      npm ci --prefix "$e2e" --no-audit --no-fund --loglevel=error
      printf '%s\n' "$lock_sum" >"$stamp"
    fi
  else
    die "tests/e2e/package-lock.json missing"
  fi
fi

# --- PostgreSQL for the relay's tests (--postgres) --------------------------
# Debian's server and pg_virtualenv, which starts a throwaway cluster for
# one command (the tests make a database of their own in it).
if (( want_postgres )); then
  if ! have pg_virtualenv; then
    have apt-get || die "pg_virtualenv missing and apt-get not available"
    if [[ "$(id -u)" -ne 0 && ${#SUDO[@]} -eq 0 ]]; then
      die "installing PostgreSQL needs root or sudo"
    fi
    log "installing postgresql (apt)"
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql
  fi
fi

log "ok: $(version_of trunk), $(version_of wasm-bindgen), $(version_of "$wasm_opt")"
