#!/usr/bin/env bash
# Command line: --help, --version, bad intervals and other usage errors
# (64 with a message naming the option), ffmpeg missing (69).
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"
"$CAPTURE" --help >"$T/out" 2>"$T/err"; rc=$?
[ "$rc" = 0 ] && grep -q '^usage: agrec-capture' "$T/out" && [ ! -s "$T/err" ] && t_pass "--help: stdout, 0" || t_fail "--help" "exit $rc"
"$CAPTURE" -h >/dev/null; [ $? = 0 ] && t_pass "-h: 0" || t_fail "-h" ""
"$CAPTURE" --version | grep -qE '^agrec-capture [0-9]+\.[0-9]+' && t_pass "--version" || t_fail "--version" ""
for v in 0 -1 x 1.5 86401 ''; do
	"$CAPTURE" --captureInterval "$v" -i /dev/null >"$T/out" 2>"$T/err"; rc=$?
	[ "$rc" = 64 ] && grep -q -- "--captureInterval: '$v': not a whole number of seconds in 1..86400" "$T/err" \
		&& t_pass "--captureInterval '$v': 64" || t_fail "--captureInterval '$v'" "exit $rc: $(head -n 1 "$T/err")"
done
"$CAPTURE" -captureInterval 0 -i /dev/null 2>/dev/null; [ $? = 64 ] && t_pass "-captureInterval 0 (single dash): 64" || t_fail "-captureInterval 0" ""
bad() {	# bad NAME PATTERN ARGS...
	local name=$1 pat=$2; shift 2
	"$CAPTURE" "$@" >/dev/null 2>"$T/err"; local rc=$?
	[ "$rc" = 64 ] && grep -q -- "$pat" "$T/err" && t_pass "$name: 64" || t_fail "$name" "exit $rc: $(head -n 1 "$T/err")"
}
bad "--size 100" "--size: '100'" --size 100
bad "--size 101x50 (odd)" "--size" --size 101x50
bad "--names foo" "--names: 'foo'" --names foo
bad "--quality 1" "--quality: '1'" --quality 1
bad "--uid x" "--uid: 'x'" --uid x
bad "--index -" "--index" --index -
bad "-f and -i" "give one input" -f . -i x
bad "unknown option" "--bogus: unknown option" --bogus
bad "stray argument" "stray: unexpected argument" stray
bad "missing value" "needs a value" --captureInterval
AGREC_FFMPEG=/nonexistent/ffmpeg "$CAPTURE" -i /dev/null 2>"$T/err"; rc=$?
[ "$rc" = 69 ] && t_pass "ffmpeg missing: 69" || t_fail "ffmpeg missing" "exit $rc: $(cat "$T/err")"
"$CAPTURE" -i "$T/nonexistent" 2>"$T/err"; rc=$?
[ "$rc" = 74 ] && grep -q 'nonexistent' "$T/err" && t_pass "missing input file: 74" || t_fail "missing input" "exit $rc"
"$CAPTURE" -i /dev/null -o "$T/nonexistent" 2>"$T/err"; rc=$?
[ "$rc" = 74 ] && t_pass "missing output folder: 74" || t_fail "missing output folder" "exit $rc"
