#!/usr/bin/env bash
# Build and serve the app with live reload on http://127.0.0.1:8080
# (address and port come from Trunk.toml).
#
#   bash scripts/serve.sh             # debug build, fast rebuilds
#   bash scripts/serve.sh --release   # optimized build (as deployed)
#
# Any other arguments are passed to `trunk serve`.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup-tools.sh
# shellcheck source=scripts/env.sh
source scripts/env.sh

echo "serving on http://127.0.0.1:8080/ (Ctrl-C to stop)"
exec trunk serve "$@"
