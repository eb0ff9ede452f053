#!/usr/bin/env bash
# Out of memory (strdup fails, by the LD_PRELOAD shim tests/tools/faultfs.c)
# where a name is kept for later: agrec-capture's snapshot index and
# agrec-mix's --pcm file.  Each says so and fails (exit 1) instead of going
# on with a NULL name (printed by the index's error messages; the PCM file
# left out of the outputs listed).
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/probe.sh"
need ffmpeg ffprobe
CAPTURE=$AGREC_BUILD/agrec-capture MIX=$AGREC_BUILD/agrec-mix
[ -x "$CAPTURE" ] && [ -x "$MIX" ] || { t_fail "agrec-capture and agrec-mix are built" "not in $AGREC_BUILD"; exit 1; }
fault_shim
fixture av "$T/f"
mkdir -p "$T/o"
LD_PRELOAD=$T/faultfs.so FAULT_STRDUP=$T/o/snapshots.jsonl "$CAPTURE" -q --captureInterval 1 -f "$T/f" -o "$T/o" >"$T/out" 2>"$T/err"; rc=$?
[ "$rc" = 1 ] && grep -qx "agrec-capture: out of memory" "$T/err" && t_pass "capture: strdup fails: 'out of memory', exit 1" \
	|| t_fail "capture: strdup fails: 'out of memory', exit 1" "exit $rc: $(tail -n 2 "$T/err" | tr '\n' ' ')"
ls "$T/o"/*.jpg >/dev/null 2>&1 && t_fail "capture: strdup fails: no snapshot taken" "$(ls "$T/o" | tr '\n' ' ')" \
	|| t_pass "capture: strdup fails: no snapshot taken"
# The same run without the fault works: the shim alone changes nothing.
LD_PRELOAD=$T/faultfs.so "$CAPTURE" -q --captureInterval 1 -f "$T/f" -o "$T/o" >"$T/out" 2>"$T/err"; rc=$?
j=$(ls "$T/o"/*.jpg 2>/dev/null | head -n 1)
[ "$rc" = 0 ] && [ -n "$j" ] && [ "$(probe_stream_field "$j" v codec_name)" = mjpeg ] \
	&& t_pass "capture: without the fault: snapshots are taken (${j##*/} is a JPEG)" \
	|| t_fail "capture: without the fault: snapshots are taken" "exit $rc: $(tail -n 2 "$T/err" | tr '\n' ' ')"

LD_PRELOAD=$T/faultfs.so FAULT_STRDUP=$T/mix.pcm "$MIX" -q -f "$T/f" -o "$T/mo" --isAudioOnly 1 --pcm "$T/mix.pcm" \
	>"$T/out" 2>"$T/err"; rc=$?
[ "$rc" = 1 ] && grep -qx "agrec-mix: out of memory" "$T/err" && t_pass "mix: strdup fails: 'out of memory', exit 1" \
	|| t_fail "mix: strdup fails: 'out of memory', exit 1" "exit $rc; stdout: $(tr '\n' ' ' <"$T/out"); stderr: $(tail -n 2 "$T/err" | tr '\n' ' ')"
# Without the fault the same command lists the PCM file, which holds the 5 s.
rm -rf "$T/mo" "$T/mix.pcm" "$T/mix.pcm.json"
LD_PRELOAD=$T/faultfs.so "$MIX" -q -f "$T/f" -o "$T/mo" --isAudioOnly 1 --pcm "$T/mix.pcm" >"$T/out" 2>"$T/err"; rc=$?
d=$(awk -v s="$(stat -c %s "$T/mix.pcm" 2>/dev/null || echo 0)" 'BEGIN { printf "%.3f", s / 96000 }')
[ "$rc" = 0 ] && grep -qxF "$T/mix.pcm" "$T/out" && fnear "$d" 5 0.1 \
	&& t_pass "mix: without the fault: mix.pcm listed and 5 s long ($d s)" \
	|| t_fail "mix: without the fault: mix.pcm listed and 5 s long" "exit $rc, $d s; stdout: $(tr '\n' ' ' <"$T/out")"
