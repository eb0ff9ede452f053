#!/usr/bin/env bash
# SIGKILL of the recorder at several moments (three recorders killed at
# 2, 3.5 and 5 s of a 6 s participant): every file it left decodes
# without errors, and the folder converts with --force.  The moments are
# the sender's own (ffmpeg -progress), not the wall clock since it started.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/probe.sh"
. "$(dirname "$0")/../lib/rec.sh"
need ffmpeg ffprobe
base=$(free_port)
declare -A pid dir
kids=
for k in 0 1 2; do
	mkdir -p "$T/r$k"
	rec_start "r$k" --channel "kill$k" --recordFileRootDir "$T/r$k" --listen "127.0.0.1:$((base + 2 * k))" || exit 1
	pid[$k]=$REC_PID dir[$k]=$REC_DIR
	SEND_PROGRESS=$T/sent$k send_av "$((base + 2 * k))" 6 1001 0x11111111 0x22222222 & PIDS+=("$!")
done
at=(2 3.5 5)
for k in 0 1 2; do
	wait_for 30 sent_at_least "${at[$k]}" "$T/sent$k" \
		|| t_fail "killed at ${at[$k]} s: the sender gets there" "it sent $(sent_secs "$T/sent$k") s"
	kids+=" $(rec_children "${pid[$k]}")"
	kill -9 "${pid[$k]}"
done
wait 2>/dev/null
# The orphaned ffmpeg writers finish their files once their pipe closes.
wait_for 20 pids_gone $kids || t_fail "the writers finish after the kill" "still running: $kids"
for k in 0 1 2; do
	d=${dir[$k]} n=0 bad=""
	for f in "$d"/1001_*.mp4 "$d"/1001_*.aac; do
		[ -e "$f" ] || continue
		n=$((n + 1))
		e=$(ffmpeg -v error -i "$f" -f null - 2>&1 | head -n 2)
		[ -n "$e" ] && bad="$bad $(basename "$f"): $e"
	done
	[ "$n" = 2 ] && [ -z "$bad" ] && t_pass "killed at ${at[$k]} s: both files decode cleanly" \
		|| t_fail "killed at ${at[$k]} s: files decode" "$n files;$bad"
	v=$(probe_dur "$(ls "$d"/1001_*.mp4)" v) a=$(adts_dur "$(ls "$d"/1001_*.aac)")
	want=$(awk -v w="${at[$k]}" 'BEGIN { print w - 1.6 }')	# what was in flight, the last fragment
	fgt "$v" "$want" && fgt "$a" "$want" && t_pass "killed at ${at[$k]} s: kept $v s of video, $a s of audio" \
		|| t_fail "killed at ${at[$k]} s: media kept" "video $v audio $a (want > $want)"
	if "$CONVERT" -q --force -f "$d" 2>/dev/null; then
		out=$(ls "$d"/*_av.mp4)
		dd=$(probe_dur "$out")
		fgt "$dd" "$want" && t_pass "killed at ${at[$k]} s: converts with --force ($dd s)" || t_fail "killed at ${at[$k]} s: converted" "$dd"
	else
		t_fail "killed at ${at[$k]} s: converts with --force" "status $?"
	fi
done
