# shellcheck shell=bash
# Environment shared by the project scripts. Source it; do not execute it:
#
#   source scripts/env.sh
#
# It only sets variables (no installs, no `set -e`), so it is safe to source
# from an interactive shell. scripts/setup-tools.sh installs what it points at.

# Repository root (the directory above this file).
SMS_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export SMS_ROOT

# Where npm-installed helper tools live (wasm-opt from npm `binaryen`).
# Outside the clone so that fresh CI clones reuse it.
export SMS_TOOLS_DIR="${SMS_TOOLS_DIR:-$HOME/.cache/sms-workbook/tools}"

# Tool versions. wasm-bindgen's is read from Cargo.lock by setup-tools.sh.
export SMS_TRUNK_VERSION="0.21.14"
export SMS_BINARYEN_VERSION="132"
export SMS_WASM_BINDGEN_FALLBACK="0.2.130"

# Debian package paths of the browser used by all browser tests.
export SMS_CHROMIUM="${SMS_CHROMIUM:-/usr/bin/chromium}"
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"

# Put a directory first on PATH, dropping any other copy of it.
_sms_path_prepend() {
  local dir="$1" entry rest="" IFS=:
  for entry in $PATH; do
    [[ "$entry" == "$dir" ]] || rest="${rest:+$rest:}$entry"
  done
  PATH="$dir${rest:+:$rest}"
}
# Order matters: npm's wasm-opt must win over any system one (Debian's
# binaryen 108 produces a .wasm that fails to load), then cargo-installed tools.
_sms_path_prepend "${CARGO_HOME:-$HOME/.cargo}/bin"
_sms_path_prepend "$SMS_TOOLS_DIR/node_modules/.bin"
unset -f _sms_path_prepend
export PATH

# WebAssembly builds carry source paths in panic locations. Map the
# build machine's paths to short neutral ones: the modules get smaller, and
# nothing of the machine that built them is shipped. (Only the wasm32
# target, so native builds and their caches are not affected.)
_sms_remap="--remap-path-prefix=$SMS_ROOT=app"
for _sms_dir in "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/; do
  [[ -d "$_sms_dir" ]] && _sms_remap+=" --remap-path-prefix=${_sms_dir%/}=crates"
done
# Leptos views are type-erased (`--cfg erase_components`): each component's
# view becomes one `AnyView` instead of a deeply nested generic type, which
# keeps the start-up module about 60 KiB (brotli) smaller; the cost is a
# dynamic call per view, which no measurement shows.
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="$_sms_remap --cfg erase_components"
unset _sms_remap _sms_dir
