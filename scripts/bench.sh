#!/usr/bin/env bash
# The whole benchmark suite in one command: the core's criterion benchmarks
# (crates/core/benches/suite.rs), the browser benchmark (tests/e2e/bench.mjs)
# on the release build, and one report of both (scripts/perf-report.mjs)
# written into docs/PERFORMANCE.md between <!-- bench:begin --> and
# <!-- bench:end -->.
#
#   bash scripts/bench.sh [options] [sizes...]      (default sizes: 1000 10000 50000)
#
#   --ci            sizes 1000 only (unless given), criterion's quick mode
#                   (SMS_BENCH_QUICK=1), and the report goes to a temporary
#                   file instead of docs/PERFORMANCE.md; the table is printed
#   --no-build      use dist/ as it is (it is built anyway if missing)
#   --no-criterion  skip the core benchmarks (their rows stay empty)
#   --no-browser    skip the browser benchmark (its rows stay empty)
#
# Figures are information, never pass/fail: this exits 0 whatever they are,
# and non-zero only if a step fails to run. The raw results (criterion's
# output, the browser's JSON, the report) stay in a temporary directory,
# printed at the end. Honors CARGO_TARGET_DIR.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }

ci=0 build=1 criterion=1 browser=1 status=0
sizes=()
for arg in "$@"; do
  case "$arg" in
    --ci) ci=1 ;;
    --no-build) build=0 ;;
    --no-criterion) criterion=0 ;;
    --no-browser) browser=0 ;;
    -h | --help) usage; exit 0 ;;
    *)
      if [[ "$arg" =~ ^[1-9][0-9]*$ ]]; then
        sizes+=("$arg")
      else
        printf 'bench.sh: unknown argument: %s\n\n' "$arg" >&2
        usage >&2
        exit 2
      fi
      ;;
  esac
done
if [[ ${#sizes[@]} -eq 0 ]]; then
  if [[ $ci -eq 1 ]]; then sizes=(1000); else sizes=(1000 10000 50000); fi
fi
comma_sizes="$(IFS=,; echo "${sizes[*]}")"

# shellcheck source=scripts/env.sh
source scripts/env.sh
target_dir="${CARGO_TARGET_DIR:-$PWD/target}"
out_dir="$(mktemp -d -t sms-bench.XXXXXX)"
started_ms="$(date +%s%3N)"
run_start=$SECONDS
if [[ -t 1 ]]; then bold=$'\033[1m' plain=$'\033[0m'; else bold="" plain=""; fi
step() { printf '\n%s==> %s%s\n' "$bold" "$1" "$plain"; }
run() {
  printf '+ %s\n' "$*"
  "$@"
}

step "Release build"
if [[ $build -eq 1 || ! -f dist/index.html ]]; then
  run trunk build --release
else
  echo "dist/ as it is (--no-build)"
fi
run cargo build --release --locked -p sms-testdata --example generate_workbook

if [[ $criterion -eq 1 ]]; then
  step "Core benchmarks (criterion), sizes $comma_sizes"
  export SMS_BENCH_SIZES="$comma_sizes"
  if [[ $ci -eq 1 ]]; then export SMS_BENCH_QUICK=1; fi
  printf '+ SMS_BENCH_SIZES=%s%s cargo bench --locked -p sms-core --bench suite\n' \
    "$SMS_BENCH_SIZES" "${SMS_BENCH_QUICK:+ SMS_BENCH_QUICK=$SMS_BENCH_QUICK}"
  cargo bench --locked -p sms-core --bench suite 2>&1 | tee "$out_dir/criterion.log"
  grep -E '^SIZE ' "$out_dir/criterion.log" >"$out_dir/sizes.log" || true
fi

if [[ $browser -eq 1 ]]; then
  step "Browser benchmark (headless Chromium), sizes ${sizes[*]}"
  if [[ ! -d tests/e2e/node_modules/playwright-core ]]; then
    run npm ci --prefix tests/e2e --no-audit --no-fund
  fi
  # Its own table goes to a file: the report below holds the same figures.
  printf '+ node tests/e2e/bench.mjs --json %s %s > %s\n' "$out_dir/browser.json" "${sizes[*]}" "$out_dir/browser.md"
  # A size that fails is reported, the others still run and the report is
  # still written; the script then exits non-zero.
  node tests/e2e/bench.mjs --json "$out_dir/browser.json" "${sizes[@]}" >"$out_dir/browser.md" || status=$?
fi

step "Report"
command="bash scripts/bench.sh${*:+ $*}"
if [[ $ci -eq 1 ]]; then
  report="$out_dir/PERFORMANCE.md"
else
  report="docs/PERFORMANCE.md"
fi
report_args=(--sizes "$comma_sizes" --since "$started_ms" --command "$command" --out "$report")
[[ $criterion -eq 1 ]] && report_args+=(--criterion "$target_dir/criterion" --size-log "$out_dir/sizes.log")
[[ $browser -eq 1 ]] && report_args+=(--browser "$out_dir/browser.json")
node scripts/perf-report.mjs "${report_args[@]}"

printf '\nBenchmarks done in %ss. Report: %s; raw results: %s\n' "$(( SECONDS - run_start ))" "$report" "$out_dir"
if [[ $status -ne 0 ]]; then
  printf 'The browser benchmark failed for some size (exit %d); see above and the report.\n' "$status" >&2
fi
exit "$status"
