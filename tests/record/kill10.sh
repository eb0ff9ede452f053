#!/usr/bin/env bash
# SIGKILL of agrec-record at 10 random moments (seeded) of a recording
# with three senders: every media file it left decodes without errors,
# and the folder converts with --force (agrec-convert finds the missing
# close lines and uses the media's own lengths).  A moment is the time
# the senders have sent (ffmpeg -progress), and every user's files have
# been started by then.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/probe.sh"
. "$(dirname "$0")/../lib/rec.sh"
need ffmpeg ffprobe
RANDOM=${KILL_SEED:-42}
port=$(free_port)
ok=0 files=0
for round in $(seq 1 10); do
	at=$(awk -v r=$((RANDOM % 1000)) 'BEGIN { printf "%.2f", 1.5 + 2.5 * r / 1000 }')
	mkdir -p "$T/r$round"
	rec_start "r$round" --channel "k$round" --recordFileRootDir "$T/r$round" --listen "127.0.0.1:$port" || exit 1
	for u in 1 2 3; do
		SEND_PROGRESS=$T/sent$round.$u send_av "$port" 4 "100$u" "0x1111111$u" "0x2222222$u" & PIDS+=("$!")
	done
	sent=("$T/sent$round.1" "$T/sent$round.2" "$T/sent$round.3")
	wait_for 30 sent_at_least "$at" "${sent[@]}" \
		|| t_fail "round $round: the senders reach $at s" "$(for f in "${sent[@]}"; do sent_secs "$f"; done | tr '\n' ' ')"
	wait_for 20 rec_logged "$REC_DIR" 'uid 100[123]: started ' 6 || t_fail "round $round: every user's files started" "$(tail -n 5 "$REC_DIR/recording.log")"
	kids=$(rec_children "$REC_PID")
	kill -9 "$REC_PID"; wait "$REC_PID" 2>/dev/null
	wait	# the senders
	wait_for 20 pids_gone $kids || t_fail "round $round: the writers finish after the kill" "still running: $kids"
	bad=""
	for f in "$REC_DIR"/100?_*.mp4 "$REC_DIR"/100?_*.aac; do
		[ -e "$f" ] || continue
		files=$((files + 1))
		e=$(ffmpeg -v error -i "$f" -f null - 2>&1 | head -n 1)
		[ -n "$e" ] && bad="$bad $(basename "$f"): $e;"
	done
	"$CONVERT" -q --force -m 0 -f "$REC_DIR" 2>"$T/conv$round.err"; rc=$?
	n=$(ls "$REC_DIR" | grep -c '_av\.mp4$')
	if [ -z "$bad" ] && [ "$rc" = 0 ] && [ "$n" = 3 ]; then
		ok=$((ok + 1))
	else
		t_fail "killed at $at s (round $round)" "rc $rc, $n outputs;$bad $(tail -n 2 "$T/conv$round.err" | tr '\n' ' ')"
	fi
	port=$((port + 2))
done
[ "$ok" = 10 ] && t_pass "10 random SIGKILLs (1.5-4 s) with 3 senders: all $files files decode, every folder converts" \
	|| t_fail "10 random SIGKILLs" "$ok of 10 rounds clean"
