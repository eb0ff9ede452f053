#!/usr/bin/env bash
# agrec-record --emit - | agrec-mix -o DIR: a live composite of two RTP
# participants (red + 440 Hz, green + 660 Hz); the recorder's stop (END
# record) finishes it cleanly.  Then agrec-mix killed with SIGKILL in the
# middle of a live run leaves a playable MP4 and AAC.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/probe.sh"
. "$(dirname "$0")/../lib/rec.sh"
. "$(dirname "$0")/lib.sh"
need ffmpeg ffprobe
[ -x "$MIX" ] || { t_fail "agrec-mix is built" "no $MIX"; exit 1; }
[ -n "${MIXDBG:-}" ] && { KEEP_T=1; }
RES=(--mixResolution 640,360,15,500)

# --- a live composite, ended by the recorder's stop ---
p1=$(free_port)
mkdir -p "$T/rec" "$T/out"
mkfifo "$T/s.fifo"
"$MIX" -i "$T/s.fifo" -o "$T/out" "${RES[@]}" --layoutMode 1 >"$T/mix.out" 2>"$T/mix.err" &
mixpid=$!
PIDS+=("$mixpid")
rec_start a --channel live --recordFileRootDir "$T/rec" --listen "127.0.0.1:$p1" --emit "$T/s.fifo" || exit 1
send_colour "$p1" 7 1001 0x11111111 0x22222222 red 440 & s1=$!	# 7 s: an overlap with 1002 even when its sender starts late
wait_for 20 rec_logged "$REC_DIR" 'uid 1001 joined' || t_fail "live: 1001 joins" "$(tail -n 5 "$REC_DIR/recording.log")"
sleep 1	# 1002 joins about 1 s after 1001 (the test's content)
send_colour "$p1" 4 1002 0x33333333 0x44444444 lime 660 & s2=$!
PIDS+=("$s1" "$s2")
wait "$s1" "$s2"
for u in 1001 1002; do
	wait_for 20 rec_gone "$REC_DIR" "$u" || t_fail "live: the recorder sees uid $u's BYE" "$(tail -n 5 "$REC_DIR/recording.log")"
done
rec_stop
wait_for 20 pids_gone "$mixpid"
kill -0 "$mixpid" 2>/dev/null && { kill -9 "$mixpid"; t_fail "agrec-mix ends on the stream's end" "still running"; }
wait "$mixpid"; rc=$?
[ "$rc" = 0 ] && t_pass "live: agrec-mix exits 0 at the end of the stream" || t_fail "live exit" "exit $rc: $(tail -n 5 "$T/mix.err")"
M=$(ls "$T"/out/0_*.mp4 2>/dev/null) A=$(ls "$T"/out/0_*.aac 2>/dev/null)
[ -n "$M" ] && [ -n "$A" ] && [ "$(wc -l <"$T/mix.out")" = 3 ] && t_pass "live: .mp4, .aac and txt written and listed" \
	|| t_fail "live outputs" "$(ls "$T/out") / $(cat "$T/mix.out")"
# The meeting as the recorder logged it, in composite time (0 = 1001's
# join): 1002 joins at J (>= 1 s: it starts 1 s after 1001's join is
# logged; more when its ffmpeg starts slowly), 1001 leaves at L1, the
# meeting ends at E.  The checks are placed in it, not at wall-clock guesses.
lg=$REC_DIR/recording.log
at() { awk -v re="$1" '$0 ~ re { t = $1 } END { print t }' "$lg"; }
j1=$(at 'uid 1001 joined')
read -r J L1 E < <(awk -v j1="$j1" -v j2="$(at 'uid 1002 joined')" -v l1="$(at 'uid 1001 left')" -v l2="$(at 'uid 1002 left')" \
	'BEGIN { printf "%.3f %.3f %.3f\n", j2 - j1, l1 - j1, (l2 > l1 ? l2 : l1) - j1 }')
both=$(awk -v j="$J" 'BEGIN { printf "%.2f", j + 1.5 }')	# both users shown, 1.5 s after 1002's join
tone2=$(awk -v j="$J" 'BEGIN { printf "%.2f", j + 0.5 }')
d=$(probe_dur "$M" v)
p=$(media_problems "$M" v "$d" 640 360 15)
[ -z "$p" ] && fnear "$d" "$E" 1.0 && t_pass "live: playable MP4, 640x360 15 fps, ${d} s (the meeting, $E s, +- 1)" || t_fail "live MP4" "$d (meeting $E s) $p"
p=$(aac_problems "$A" "$d"); [ -z "$p" ] && t_pass "live: the AAC is as long as the video" || t_fail "live AAC" "$p"
if flt "$both" "$(awk -v l="$L1" 'BEGIN { print l - 0.5 }')"; then
	expect_colour "live $both s: 1001 red in the left half" "$M" "$both" 160 180 red
	expect_colour "live $both s: 1002 green in the right half" "$M" "$both" 480 180 "0 255 0"
	expect_tone_at "live: 1002's 660 Hz" "$A" "$tone2" 2 660 yes
else
	t_fail "live: 1001 and 1002 together" "1002 joined at $J s, 1001 left at $L1 s (composite time): no overlap to check (its sender started late)"
fi
expect_colour "live 0.5 s: 1001 alone fills the canvas" "$M" 0.5 480 180 red
expect_tone_at "live: 1001's 440 Hz" "$A" 2 2 440 yes
expect_tone_at "live: no 660 Hz before 1002 joins" "$A" 0.1 0.6 660 no
ts=$(basename "$M" .mp4); ts=${ts#0_}
grep -q "^0.000 0_$ts.mp4 info width=640 height=360 rotation=0\$" "$T"/out/uid_0_"$ts".txt && grep -q "close $" "$T"/out/uid_0_"$ts".txt \
	&& t_pass "live: uid_0 txt named after the first media's wall time, closed" || t_fail "live txt" "$(cat "$T"/out/uid_0_*.txt)"

# --- SIGKILL in the middle ---
p2=$(free_port)
mkdir -p "$T/rec2" "$T/out2"
mkfifo "$T/s2.fifo"
"$MIX" -q -i "$T/s2.fifo" -o "$T/out2" "${RES[@]}" --mixedVideoAudio 1 >/dev/null 2>"$T/mix2.err" &
mixpid=$!
PIDS+=("$mixpid")
rec_start b --channel killed --recordFileRootDir "$T/rec2" --listen "127.0.0.1:$p2" --emit "$T/s2.fifo" || exit 1
SEND_PROGRESS=$T/sent2 send_colour "$p2" 8 1001 0x11111111 0x22222222 red 440 & s1=$!
PIDS+=("$s1")
# The kill comes once the sender has sent 5.5 s (ffmpeg -progress; the
# MP4 is written in 2 s fragments, too small to show its progress) and
# the MP4 exists; then agrec-mix's orphaned writers finish the files.
mix_made() { ls "$T"/out2/0_*.mp4 >/dev/null 2>&1; }
wait_for 30 sent_at_least 5.5 "$T/sent2" && wait_for 20 mix_made \
	|| t_fail "SIGKILL: 5.5 s sent and an MP4 before the kill" "$(ls -l "$T/out2"; tail -n 3 "$T/mix2.err")"
kids=$(pgrep -P "$mixpid" | tr '\n' ' ')
kill -9 "$mixpid"; wait "$mixpid" 2>/dev/null
wait_for 20 pids_gone $kids || t_fail "SIGKILL: agrec-mix's writers finish" "still running: $kids"
M=$(ls "$T"/out2/0_*.mp4 2>/dev/null)
d=$(probe_dur "$M" v)
fgt "$d" 1.9 && [ -z "$(media_problems "$M" av "$d" 640 360)" ] \
	&& ffmpeg -nostdin -v error -i "$M" -f null - 2>&1 | grep -q . && false || true
err=$(ffmpeg -nostdin -v error -i "$M" -f null - 2>&1 | head -n 3)
fgt "$d" 1.9 && [ -z "$err" ] && t_pass "SIGKILL: the A/V MP4 so far is playable (${d} s, decodes without errors)" \
	|| t_fail "SIGKILL leaves a playable MP4" "dur '$d' $err"
wait "$s1"
rec_stop
