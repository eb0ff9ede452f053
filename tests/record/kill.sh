#!/usr/bin/env bash
# SIGKILL of the recorder at several moments (three recorders killed at
# 2, 3.5 and 5 s of a 6 s participant): every file it left decodes
# without errors, and the folder converts with --force.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/probe.sh"
. "$(dirname "$0")/../lib/rec.sh"
need ffmpeg ffprobe
base=$(free_port)
declare -A pid dir
for k in 0 1 2; do
	mkdir -p "$T/r$k"
	rec_start "r$k" --channel "kill$k" --recordFileRootDir "$T/r$k" --listen "127.0.0.1:$((base + 2 * k))" || exit 1
	pid[$k]=$REC_PID dir[$k]=$REC_DIR
	send_av "$((base + 2 * k))" 6 1001 0x11111111 0x22222222 & PIDS+=("$!")
done
at=(2 3.5 5)
t0=$(date +%s.%N)
for k in 0 1 2; do
	while awk -v a="$t0" -v b="$(date +%s.%N)" -v w="${at[$k]}" 'BEGIN { exit !(b - a < w) }'; do sleep 0.05; done
	kill -9 "${pid[$k]}"
done
wait 2>/dev/null
sleep 1
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
	want=$(awk -v w="${at[$k]}" 'BEGIN { print w - 1.6 }')	# sender start-up, lost last fragment
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
