#!/usr/bin/env bash
# Coverage-guided fuzzing with libFuzzer (the Swift toolchain's -sanitize=fuzzer) of one parser of untrusted input.
#
#   scripts/fuzz.sh TARGET [SECONDS]     TARGET: record, amount, script, config, sanitize (default 60 s)
#
# Starts from the committed seed corpus in Tests/Fuzz/TARGET and grows a working corpus in .build-fuzz/corpus/TARGET.
# An input that traps is written to .build-fuzz/crashes/TARGET/; after fixing the bug, copy it into
# Tests/Fuzz/TARGET so the test suite replays it for ever (FuzzCorpusTests). Exit 0 when nothing was found.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: scripts/fuzz.sh TARGET [SECONDS]}
seconds=${2:-60}
case "$target" in record|amount|script|config|sanitize) ;; *) echo "fuzz.sh: unknown target $target" >&2; exit 64;; esac

scratch=.build-fuzz
swift build -c release --product popsa-fuzz --scratch-path "$scratch" \
  -Xswiftc -sanitize=fuzzer -Xswiftc -DFUZZING >&2
binary=$(swift build -c release --product popsa-fuzz --scratch-path "$scratch" --show-bin-path)/popsa-fuzz
corpus=$scratch/corpus/$target
crashes=$scratch/crashes/$target
mkdir -p "$corpus" "$crashes"
# TOMLKit 0.6 leaks about 3 KB per document parsed (its table shell and key lists; the loader frees the nodes):
# harmless for a process that reads its configuration once, but millions of fuzz inputs add up.
rss_limit=4096
[ "$target" = config ] && rss_limit=20000
SWIFT_BACKTRACE=enable=no POPSA_FUZZ_TARGET=$target "$binary" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb="$rss_limit" \
  -artifact_prefix="$crashes/" "$corpus" "Tests/Fuzz/$target"
