#!/usr/bin/env bash
# tests/fuzz/run.sh - `make fuzz`: build every harness tests/fuzz/fuzz_*.c
# with clang and libFuzzer (ASan + UBSan), run each one for FUZZ_SECONDS,
# and report per harness the executions run and whether it crashed.
#
# Usage: bash tests/fuzz/run.sh [NAME...]    (NAME: txt, rtp, ...; default all)
#
# Environment:
#   FUZZ_SECONDS  seconds per harness (default 60)
#   FUZZ_MERGE=1  merge the new corpus entries that add coverage into the
#                 seed corpus tests/fuzz/corpus/NAME/ (default: they stay
#                 in the scratch directory build/fuzz/corpus/NAME/)
#   FUZZ_OUT      build and scratch directory (default build/fuzz)
#   CLANG         the compiler (default clang)
#   FUZZ_FLAGS    more libFuzzer flags for every harness
#
# A crashing input (crash, leak, timeout, out of memory, or a property
# a harness checks) is saved as tests/fuzz/crashes/NAME/<kind>-<sha1>,
# where `make check` replays it (tests/fuzz/regress.sh) until it is fixed.
# Exit status: 0 when nothing crashed, 1 when a harness crashed, 2 when a
# harness could not be built.
#
# This file is deliberately not executable: tests/run runs every
# executable tests/*/*.sh, and this one takes minutes.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
fz=$top/tests/fuzz
secs=${FUZZ_SECONDS:-60}
out=${FUZZ_OUT:-$top/build/fuzz}
cc=${CLANG:-clang}
flags="-std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer -iquote $top/libcommon -iquote $fz
	$(pkg-config --cflags jansson 2>/dev/null)"
san="address,undefined -fno-sanitize-recover=undefined"

case $secs in ''|*[!0-9]*) echo "run.sh: FUZZ_SECONDS must be a number of seconds" >&2; exit 2;; esac
command -v "$cc" >/dev/null 2>&1 || { echo "run.sh: $cc not found (apt-get install clang)" >&2; exit 2; }

if [ $# -gt 0 ]; then
	names=("$@")
else
	names=()
	for f in "$fz"/fuzz_*.c; do n=${f##*/fuzz_}; names+=("${n%.c}"); done
fi

# The library, instrumented for coverage, as an archive: each harness
# links only the modules it uses.
mkdir -p "$out/obj" || exit 2
rm -f "$out/libcommon-fuzz.a"
for src in "$top"/libcommon/*.c; do
	o=$out/obj/$(basename "$src" .c).o
	# shellcheck disable=SC2086
	"$cc" $flags -fsanitize=fuzzer-no-link,$san -c -o "$o" "$src" ||
		{ echo "run.sh: cannot compile $src" >&2; exit 2; }
done
ar rcs "$out/libcommon-fuzz.a" "$out"/obj/*.o || exit 2

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
crashed=0
for n in "${names[@]}"; do
	h=$fz/fuzz_$n.c bin=$out/fuzz_$n log=$out/fuzz_$n.log
	art=$out/artifacts/$n scratch=$out/corpus/$n seeds=$fz/corpus/$n
	[ -f "$h" ] || { echo "run.sh: no harness $h" >&2; exit 2; }
	# shellcheck disable=SC2086
	"$cc" $flags -fsanitize=fuzzer,$san -o "$bin" "$h" "$out/libcommon-fuzz.a" ||
		{ echo "run.sh: cannot build $bin" >&2; exit 2; }
	rm -rf "$art"
	mkdir -p "$art" "$scratch" "$seeds"
	extra=()
	# adts.c reads through a 64 KiB buffer: let inputs grow past it.
	[ "$n" = adts ] && extra+=(-max_len=70000)
	# New entries go to the first directory (scratch); the seeds are only read.
	# shellcheck disable=SC2086
	"$bin" -max_total_time="$secs" -print_final_stats=1 -timeout=10 \
		-artifact_prefix="$art/" "${extra[@]}" ${FUZZ_FLAGS:-} \
		"$scratch" "$seeds" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	saved=""
	for a in "$art"/*; do
		[ -f "$a" ] || continue
		mkdir -p "$fz/crashes/$n"
		cp "$a" "$fz/crashes/$n/" && saved="$saved tests/fuzz/crashes/$n/${a##*/}"
	done
	if [ $rc -ne 0 ] || [ -n "$saved" ]; then
		crashed=1
		echo "fuzz_$n: ${execs:-?} executions in $secs s: CRASHED (exit $rc),${saved:- no input saved}"
		grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|.*property violated)' "$log" | head -n 5 | sed 's/^/    /'
		echo "    log: $log"
	else
		echo "fuzz_$n: ${execs:-?} executions in $secs s: no crash"
	fi
	if [ "${FUZZ_MERGE:-0}" = 1 ] && [ $rc -eq 0 ]; then
		"$bin" -merge=1 "$seeds" "$scratch" >>"$log" 2>&1 ||
			echo "fuzz_$n: merging into $seeds failed (see $log)" >&2
	fi
done
exit $crashed
