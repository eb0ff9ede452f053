#!/usr/bin/env bash
# Live: agrec-record --emit - | agrec-capture with real RTP senders of a
# solid colour each (H.264 and VP8), one of them already sending, in the
# middle of a long GOP, when the recorder starts: the expected number of
# snapshots for the time sent, each a JPEG of the sender's colour (never
# grey), index lines matching the files.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/probe.sh"
. "$(dirname "$0")/../lib/rec.sh"
. "$(dirname "$0")/lib.sh"
need ffmpeg ffprobe jq
p=$(free_port)
mkdir -p "$T/rec" "$T/out"
# uid 1001: red H.264 with a 5 s GOP, started 1.5 s (of its media, as
# ffmpeg reports) before the recorder listens: its first keyframe in the
# channel comes 3.5 s later.
SEND_PROGRESS=$T/sent1 send_colour "$p" 8 1001 0x11111111 320x180 red 75 & s1=$!
PIDS+=("$s1")
wait_for 20 sent_at_least 1.5 "$T/sent1" || t_fail "live: uid 1001 sends before the recorder starts" "$(grep out_time= "$T/sent1" | tail -n 1)"
{ "$RECORD" --channel capture --recordFileRootDir "$T/rec" --listen "127.0.0.1:$p" --emit - 2>"$T/rec.err" &
  echo $! >"$T/rec.pid"; wait; } | tee "$T/s.bin" | "$CAPTURE" -o "$T/out" --captureInterval 1 2>"$T/cap.err" &
cp=$!
PIDS+=("$cp")
# With --emit - the recorder names its folder on stderr once it listens.
rec_up() { [ -s "$T/rec.pid" ] && grep -q 'recording into ' "$T/rec.err"; }
wait_for 20 rec_up || t_fail "live: the recorder starts" "$(cat "$T/rec.err")"
REC_PID=$(cat "$T/rec.pid"); PIDS+=("$REC_PID")
dir=$(sed -n 's/.*recording into //p' "$T/rec.err" | head -n 1)
# uid 1002: blue VP8, 5 s.
send_colour "$p" 5 1002 0x33333333 320x240 blue 30 vp8 & s2=$!
PIDS+=("$s2")
wait "$s1" "$s2"
# Both BYEs seen (1001 may still be known by its SSRC).
gone() { rec_gone "$dir" 1002 && { rec_gone "$dir" 1001 || rec_gone "$dir" 286331153; }; }
wait_for 20 gone || t_fail "live: the recorder sees both BYEs" "$(tail -n 5 "$dir/recording.log")"
kill -TERM "$REC_PID"
wait_for 30 pids_gone "$cp" || t_fail "live: capture ends with the stream" "still running"
wait "$cp"; rc=$?
[ "$rc" = 0 ] && t_pass "live: capture exits 0" || t_fail "live: capture exits 0" "exit $rc: $(cat "$T/cap.err")"
ix=$T/out/snapshots.jsonl
# The sender that was already running when the recorder started is known
# by its SSRC (0x11111111 = 286331153) until an RTCP report names it.
u1=$(jq -r 'select(.uid != 1002) | .uid' "$ix" | sort -u | tr '\n' ' ' | sed 's/ $//')
case $u1 in 1001|286331153) t_pass "live: two users ($u1, 1002)" ;; *) t_fail "live: two users" "uids: $u1 1002"; u1=1001 ;; esac
n1=$(ls "$T/out/${u1}"_*.jpg 2>/dev/null | wc -l); n2=$(ls "$T/out"/1002_*.jpg 2>/dev/null | wc -l)
# 1001 from its first keyframe in the channel (5 s after it started) to
# its end (8 s): 3 +- 1 snapshots.
[ "$n1" -ge 2 ] && [ "$n1" -le 4 ] && t_pass "live: uid $u1 snapshots from its first keyframe ($n1)" || t_fail "live: uid 1001 snapshots" "$n1"
[ "$n2" -ge 4 ] && [ "$n2" -le 6 ] && t_pass "live: uid 1002 snapshots, 5 s at 1 s ($n2)" || t_fail "live: uid 1002 snapshots" "$n2"
check_snaps "live: uid $u1 JPEGs are red 320x180 (first one too)" "$T/out" "$u1" red 320x180
check_snaps "live: uid 1002 JPEGs are blue 320x240 (VP8)" "$T/out" 1002 blue 320x240
[ "$(count_index "$ix" "$u1")" = "$n1" ] && [ "$(count_index "$ix" 1002)" = "$n2" ] \
	&& t_pass "live: one index line per JPEG" || t_fail "live: index lines" "$(cat "$ix")"
bad=$(jq -r '.path' "$ix" | while read -r f; do [ -f "$f" ] || echo "$f"; done)
[ -z "$bad" ] && t_pass "live: index paths exist" || t_fail "live: index paths" "$bad"
# Times are whole seconds of channel time, and the name is the wall time (UTC, ms).
bad=$(jq -r '"\(.t) \(.wall) \(.path)"' "$ix" | awk '{ if ($1 != int($1)) print; w = $2; gsub(/[-T:.Z]/, "", w); n = $3; sub(/.*\//, "", n); sub(/^[0-9]+_/, "", n); sub(/\.jpg$/, "", n); if (n != w) print }')
[ -z "$bad" ] && t_pass "live: whole-second times, names = wall time" || t_fail "live: times and names" "$bad"
m=$(stat -c %a "$(ls "$T/out"/*.jpg | head -n 1)")
[ "$m" = 600 ] && t_pass "live: JPEGs are owner-only" || t_fail "live: JPEG mode" "$m"
grep -q 'snapshots; uid [0-9]*: [0-9]' "$T/cap.err" && t_pass "live: summary line" || t_fail "live: summary line" "$(cat "$T/cap.err")"
