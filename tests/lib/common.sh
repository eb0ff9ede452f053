# tests/lib/common.sh - sourced by every black-box test script.
#
# Results are lines on stdout: "PASS: name", "FAIL: name: why",
# "SKIPPED: name: why" (tests/run counts them).  Every script gets a
# private scratch directory $T, removed on exit, and the built programs
# in $AGREC_BUILD.  Nothing here runs a shell on file names.
set -u
AGREC_TOP=${AGREC_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
AGREC_BUILD=${AGREC_BUILD:-$AGREC_TOP/build}
CONVERT=$AGREC_BUILD/agrec-convert
SHARED=${AGREC_SHARED:-$AGREC_TOP/../shared}
T=$(mktemp -d "${TMPDIR:-/tmp}/agrec-t.XXXXXX")
chmod 755 "$T"
_t_cleanup() { [ -n "${KEEP_T:-}" ] && { echo "kept $T" >&2; return; }; chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"; }
trap _t_cleanup EXIT

t_pass() { echo "PASS: $1"; }
t_fail() { echo "FAIL: $1: ${2:-}"; }
t_skip() { echo "SKIPPED: $1: $2"; }

# t_check NAME CMD...: PASS if CMD succeeds, else FAIL with its output.
t_check() {
	local name=$1 out; shift
	if out=$("$@" 2>&1); then t_pass "$name"; else t_fail "$name" "$(echo "$out" | tail -n 5 | tr '\n' ' ')"; fi
}

# wait_for SECONDS CMD...: run CMD every 0.1 s until it succeeds (status
# 0), or until SECONDS (a whole number) have passed (status 1).  A test
# orders itself against a running program this way, on an event it can
# observe (a log line, a file, a count), never with a fixed sleep.
wait_for() {
	local end=$(( ${EPOCHREALTIME//[!0-9]/} + $1 * 1000000 ))
	shift
	until "$@"; do
		[ "${EPOCHREALTIME//[!0-9]/}" -lt "$end" ] || return 1
		sleep 0.1
	done
}

# pids_gone PID...: none of the processes runs any more (a zombie, exited
# but not yet reaped, counts as gone).
pids_gone() {
	local p st
	for p; do
		st=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null) || continue
		[ "${st:0:1}" = Z ] || [ -z "$st" ] || return 1
	done
	return 0
}

# need TOOL...: fail loudly (never pass) when a required tool is missing.
need() {
	local t
	for t in "$@"; do
		if ! command -v "$t" >/dev/null 2>&1; then
			t_fail "prerequisite" "$t is not installed (run scripts/deps)"
			exit 1
		fi
	done
}

# fault_shim: build tests/tools/faultfs.c, the LD_PRELOAD shim that fails
# fsync, write or strdup on chosen files or strings, into $T/faultfs.so
# (one FAIL and exit when it does not build).
fault_shim() {
	need cc
	cc -shared -fPIC -o "$T/faultfs.so" "$AGREC_TOP/tests/tools/faultfs.c" -ldl 2>"$T/cc.err" && return
	t_fail "build the fault shim" "$(cat "$T/cc.err")"
	exit 1
}
