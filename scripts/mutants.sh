#!/usr/bin/env bash
# A small mutation check: each patch in Tests/Mutants removes one guarantee (a money or safety rule); the test
# filter named in the patch must then fail. Each mutant is applied to a scratch copy of the working tree, built
# incrementally in its own build folder, and its filter run. Prints killed / survived per mutant and exits 1 if
# any survived (or did not build, or its tests did not pass unmutated).
#
#   scripts/mutants.sh                 every mutant
#   scripts/mutants.sh NAME [NAME…]    only these (file names in Tests/Mutants without .patch)
#
# POPSA_OPS_MUTANTS_DIR (default /tmp/popsa-ops-mutants) holds the copy and its build; keeping it between runs
# makes the next run incremental. The last result is recorded in docs/mutants.md.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${POPSA_OPS_MUTANTS_DIR:-/tmp/popsa-ops-mutants}
src=$work/src
scratch=$work/build
logs=$work/logs

"$root/scripts/test-deps.sh"

# The PostgreSQL mutants' tests need a cluster: this run's own, unless one is given.
if [ -z "${POPSA_OPS_TEST_POSTGRES:-}" ]; then
  pg="$work/pg"
  "$root/scripts/postgres.sh" stop "$pg"
  POPSA_OPS_TEST_POSTGRES=$("$root/scripts/postgres.sh" start "$pg") || exit 2
  export POPSA_OPS_TEST_POSTGRES
  trap '"$root/scripts/postgres.sh" stop "$pg"' EXIT
fi

# A fresh copy of the working tree (uncommitted changes included), without build output.
rm -rf "$src" "$logs"
mkdir -p "$src" "$logs" "$scratch"
tar -C "$root" --exclude=./.build --exclude='./.build-*' --exclude=./.git -cf - . | tar -C "$src" -xf -
cd "$src" || exit 2

if [ $# -gt 0 ]; then
  patches=(); for name in "$@"; do patches+=("Tests/Mutants/$name.patch"); done
else
  patches=(Tests/Mutants/*.patch)
fi

build() { swift build --build-tests --scratch-path "$scratch" >"$1" 2>&1; }
run() { swift test --skip-build --scratch-path "$scratch" --filter "$1" >"$2" 2>&1; }
field() { sed -n "s/^$1: //p" "$2" | head -n 1; }

echo "mutants.sh: building the unmutated copy in $scratch"
if ! build "$logs/baseline-build.log"; then
  echo "mutants.sh: the unmutated copy does not build (see $logs/baseline-build.log)"; exit 2
fi
# Every filter must pass unmutated, or a "killed" would mean nothing.
filters=$(for p in "${patches[@]}"; do field filter "$p"; done | paste -sd '|')
if ! run "$filters" "$logs/baseline-test.log"; then
  echo "mutants.sh: the filters fail without any mutant (see $logs/baseline-test.log)"; exit 2
fi

started=$(date +%s)
bad=0
printf '%-24s %-9s %s\n' MUTANT RESULT "WHAT IT REMOVES"
for patch in "${patches[@]}"; do
  name=$(basename "$patch" .patch)
  if ! git apply "$patch" 2>"$logs/$name-apply.log"; then
    printf '%-24s %-9s %s\n' "$name" "stale" "the patch no longer applies: update it"; bad=1; continue
  fi
  if ! build "$logs/$name-build.log"; then
    result="no-build"; bad=1
  elif run "$(field filter "$patch")" "$logs/$name-test.log"; then
    result="SURVIVED"; bad=1
  else
    result="killed"
  fi
  git apply -R "$patch"
  printf '%-24s %-9s %s\n' "$name" "$result" "$(field description "$patch")"
done
build "$logs/restore-build.log" || true
echo "mutants.sh: ${#patches[@]} mutants in $(( $(date +%s) - started )) s; logs in $logs"
exit $bad
