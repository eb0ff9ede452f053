#!/usr/bin/env bash
# agrec-convert killed mid-run (SIGKILL, then SIGTERM): nothing appears
# under a final name, inputs are untouched, and a rerun completes and
# removes what the killed run left in its private directory.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/probe.sh"
need ffmpeg ffprobe
fixture multi "$T/f"
sum() { (cd "$1" && find . -maxdepth 1 -type f ! -name 'convert.log' ! -name '.agrec-convert.lock' -printf '%f %s\n' | sort | md5sum); }
before=$(sum "$T/f")
# A held ffmpeg: it says it started, then waits (at most 30 s) for a gate
# the test never opens, so that the kill lands mid-run, whatever the load.
cat >"$T/slow-ffmpeg" <<SH
#!/bin/sh
: >"$T/ffmpeg-started"
i=0
while [ ! -e "$T/gate" ] && [ \$i -lt 300 ]; do sleep 0.1; i=\$((i + 1)); done
exec $(command -v ffmpeg) "\$@"
SH
chmod +x "$T/slow-ffmpeg"
for sig in KILL TERM; do
	rm -f "$T/ffmpeg-started"
	AGREC_FFMPEG=$T/slow-ffmpeg "$CONVERT" -q -m 1 -f "$T/f" 2>"$T/err" & pid=$!
	wait_for 30 test -e "$T/ffmpeg-started" || t_fail "SIG$sig: agrec-convert starts its ffmpeg" "$(cat "$T/err")"
	kids=$(pgrep -P "$pid" | tr '\n' ' ')
	kill -"$sig" "$pid"; wait "$pid"; rc=$?
	ls "$T/f" | grep -q '_merge' && t_fail "SIG$sig: no output under a final name" "$(ls "$T/f")" \
		|| t_pass "SIG$sig: no output under a final name"
	[ ! -e "$T/f/convert-done.txt" ] && t_pass "SIG$sig: no convert-done.txt" || t_fail "SIG$sig: no convert-done.txt" ""
	[ "$(sum "$T/f")" = "$before" ] && t_pass "SIG$sig: inputs untouched" || t_fail "SIG$sig: inputs untouched" ""
	if [ "$sig" = TERM ]; then
		[ "$rc" = 143 ] && t_pass "SIGTERM: exit 143 (128+15)" || t_fail "SIGTERM: exit 143" "$rc"
		ls -a "$T/f" | grep -q '^\.agrec-convert\.......$' && t_fail "SIGTERM: private directory removed" "$(ls -a "$T/f")" \
			|| t_pass "SIGTERM: private directory removed"
	fi
	# The held children (orphans after SIGKILL) are ended by pid, so none
	# runs ffmpeg into the folder during the rerun.
	[ -n "$kids" ] && kill $kids 2>/dev/null
	wait_for 20 pids_gone $kids || t_fail "SIG$sig: the held children end" "still running: $kids"
done
# SIGKILL left its private directory: the rerun cleans up.
if "$CONVERT" -q -m 1 -f "$T/f" 2>"$T/err"; then
	t_pass "rerun completes"
	n=$(ls "$T/f" | grep -c '_merge')
	[ "$n" = 3 ] && t_pass "rerun: the three outputs" || t_fail "rerun: outputs" "$(ls "$T/f")"
	for o in "$T"/f/*_merge*; do fgt "$(probe_dur "$o")" 1 || t_fail "rerun: $(basename "$o") plays" ""; done
	ls -a "$T/f" | grep -q '^\.agrec-convert\.......$' && t_fail "rerun: stale private directories removed" "$(ls -a "$T/f")" \
		|| t_pass "rerun: stale private directories removed"
	[ -e "$T/f/convert-done.txt" ] && t_pass "rerun: convert-done.txt" || t_fail "rerun: convert-done.txt" ""
else
	t_fail "rerun completes" "$(cat "$T/err")"
fi
