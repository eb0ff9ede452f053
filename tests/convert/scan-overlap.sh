#!/usr/bin/env bash
# Two overlapping --scan runs without --once (the cron line): a folder the
# slow run listed before the other run converted it is not converted
# again.  Run 1 starts first and is held inside its first folder (A) by an
# ffmpeg wrapper waiting for a go-file; run 2 skips the locked A and
# converts B; then run 1 is released and reaches B, which it had listed as
# unconverted: under the lock it must see convert-done.txt and skip B.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/probe.sh"
need ffmpeg ffprobe
need_convert

R=$T/root FA=$T/root/A FB=$T/root/B
fixture av "$FA"; fixture av "$FB"
# The real ffmpeg, each call noted with its arguments; with GATE set,
# it then waits (at most 120 s) until the file GATE exists.
cat >"$T/ff" <<EOS
#!/bin/sh
printf '%s\n' "\$*" >>"$T/calls"
$(command -v ffmpeg) "\$@" || exit \$?
[ -n "\${GATE:-}" ] || exit 0
: >"\$GATE.held"
i=0
while [ ! -e "\$GATE" ] && [ \$i -lt 2400 ]; do sleep 0.05; i=\$((i + 1)); done
EOS
chmod +x "$T/ff"
# runs DIR: how many conversion runs (private directories) called ffmpeg for DIR
runs() { grep -F -- "$1/" "$T/calls" 2>/dev/null | grep -o '\.agrec-convert\.[^/]*' | sort -u | wc -l; }

GATE=$T/go AGREC_FFMPEG=$T/ff "$CONVERT" --scan "$R" >"$T/r1.out" 2>"$T/r1.err" & p1=$!
for ((i = 0; i < 1200; i++)); do
	[ -e "$T/go.held" ] && break
	kill -0 "$p1" 2>/dev/null || break
	sleep 0.05
done
if [ ! -e "$T/go.held" ]; then
	t_fail "overlap: run 1 is held in folder A" "$(tail -n 3 "$T/r1.err" | tr '\n' ' ')"
	kill "$p1" 2>/dev/null; : >"$T/go"; wait "$p1"
	exit 1
fi
flock -n "$FA/.agrec-convert.lock" true && t_fail "overlap: run 1 holds A's lock" "A is not locked" \
	|| t_pass "overlap: run 1 holds A's lock"

AGREC_FFMPEG=$T/ff conv --scan "$R"
expect_rc "overlap: run 2 exits 0 (the locked folder is not an error)" 0
[ ! -e "$FA/convert-done.txt" ] && [ "$(runs "$FA")" = 1 ] && t_pass "overlap: run 2 left the locked A alone" \
	|| t_fail "overlap: run 2 left the locked A alone" "$(runs "$FA") runs on A; $(ls "$FA" | tr '\n' ' ')"
expect_outputs "overlap: run 2 converted B" "$FB" av "1001_${B}_av.mp4"
expect_done "overlap: run 2 finished B" "$FB"
mark=$(stat -c '%i %y' "$FB/convert-done.txt" 2>/dev/null)
sumB=$(sums "$FB")
nB=$(runs "$FB")

: >"$T/go"
for ((i = 0; i < 2400; i++)); do kill -0 "$p1" 2>/dev/null || break; sleep 0.05; done
kill -0 "$p1" 2>/dev/null && { t_fail "overlap: run 1 ends once released" "still running"; kill "$p1"; }
wait "$p1"; rc1=$?
[ "$rc1" = 0 ] && t_pass "overlap: run 1 exits 0" || t_fail "overlap: run 1 exits 0" "exit $rc1: $(tail -n 3 "$T/r1.err" | tr '\n' ' ')"
[ "$nB" = 1 ] && [ "$(runs "$FB")" = 1 ] && t_pass "overlap: B converted exactly once" \
	|| t_fail "overlap: B converted exactly once" "$nB run(s) by run 2, $(runs "$FB") in all"
[ -n "$mark" ] && [ "$(stat -c '%i %y' "$FB/convert-done.txt" 2>/dev/null)" = "$mark" ] \
	&& t_pass "overlap: B's convert-done.txt untouched by run 1" \
	|| t_fail "overlap: B's convert-done.txt untouched by run 1" "before '$mark', after '$(stat -c '%i %y' "$FB/convert-done.txt" 2>&1)'"
[ "$(sums "$FB")" = "$sumB" ] && t_pass "overlap: B's outputs untouched by run 1" || t_fail "overlap: B's outputs untouched by run 1" "changed"
grep -qF "$FB: already converted; skipped" "$T/r1.err" && t_pass "overlap: run 1 says B was converted meanwhile" \
	|| t_fail "overlap: run 1 says B was converted meanwhile" "$(tail -n 3 "$T/r1.err" | tr '\n' ' ')"
expect_done "overlap: run 1 finished A" "$FA"
expect_media "overlap: A's output" "$FA/1001_${B}_av.mp4" av 5.0 320 180 15
expect_media "overlap: B's output" "$FB/1001_${B}_av.mp4" av 5.0 320 180 15
