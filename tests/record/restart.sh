#!/usr/bin/env bash
# A sender that starts again with the same SSRCs (a new process: new
# random sequence numbers and RTP times), after a BYE and after a crash
# without one: the recorder places the new stream by its arrival, so the
# txt times and the files stay on the meeting's clock.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/probe.sh"
. "$(dirname "$0")/../lib/rec.sh"
need ffmpeg ffprobe
port=$(free_port)
rec_start r --channel restart --recordFileRootDir "$T/r" --listen "127.0.0.1:$port" --idle 3 --leave-timeout 5 \
	--emit "$T/stream.bin" || exit 1
SEND_PROGRESS=$T/run1 send_color "$port" 3 1501 0x15010 0x15011 0xff0000 440       # ends with a BYE
sleep 1	# away for 1 s (the test's content); the recorder has seen the BYE:
wait_for 20 rec_gone "$REC_DIR" 1501 || t_fail "the recorder sees the BYE" "$(tail -n 5 "$REC_DIR/recording.log")"
# The same SSRCs again; killed without a BYE after about 3 s.
SEND_CRASH_AFTER=3.2 SEND_PROGRESS=$T/run2 send_color "$port" 6 1501 0x15010 0x15011 0x00ff00 440
sleep 0.5	# back 0.5 s after the crash (the test's content: no leave yet)
SEND_PROGRESS=$T/run3 send_color "$port" 3 1501 0x15010 0x15011 0x0000ff 440
rec_wait 30
[ "$REC_RC" = 0 ] && t_pass "the recorder exits 0" || t_fail "recorder exit" "$REC_RC"
d=$REC_DIR
# The meeting as the recorder saw it (first join to last leave: about 11 s,
# more when the senders start slowly), and the time the user was in it
# (join to leave, twice: the crash restart continues its presence; about
# 3 + 6.7 s, the crash run being killed 3.2 s after its process started).
# (A leave by timeout, --leave-timeout 5, is logged 5 s after the user went.)
meet=$(awk '/uid 1501 joined/ && j == "" { j = $1 } /uid 1501 left/ { l = $1 - (/timeout/ ? 5 : 0) } END { printf "%.3f", l - j }' "$d/recording.log")
inmeet=$(awk '/uid 1501 joined/ { j = $1 } /uid 1501 left/ { s += $1 - (/timeout/ ? 5 : 0) - j } END { printf "%.3f", s }' "$d/recording.log")
sent=$(awk -v a="$(sent_secs "$T/run1")" -v b="$(sent_secs "$T/run2")" -v c="$(sent_secs "$T/run3")" 'BEGIN { printf "%.3f", a + b + c }')
max=$(cat "$d"/uid_1501_*.txt | awk '{ if ($1 + 0 > m) m = $1 + 0 } END { print m + 0 }')
fnear "$max" "$meet" 2 && t_pass "txt times stay on the meeting's clock (last event at $max s, meeting $meet s)" || t_fail "txt times" "meeting $meet s: $(cat "$d"/uid_1501_*.txt)"
for f in "$d"/1501_*.mp4 "$d"/1501_*.aac; do
	ts=${f##*_}; ts=${ts%.*}
	[ "${ts:0:8}" = "$(date -u +%Y%m%d)" ] && [ $(( $(date -u +%s) - $(date -u -d "${ts:0:4}-${ts:4:2}-${ts:6:2} ${ts:8:2}:${ts:10:2}:${ts:12:2}" +%s) )) -lt 120 ] \
		&& t_pass "${f##*/}: named at its real time" || t_fail "${f##*/}: named at its real time" "$ts"
done
a=$(ls "$d"/1501_*.aac | head -n 1)
ad=$(adts_dur "$a")
fnear "$ad" "$meet" 1.5 && t_pass "one audio file across both restarts ($ad s, meeting $meet s)" || t_fail "audio across restarts" "$ad s, meeting $meet s; $(ls "$d")"
# Video: the run after the BYE is a rejoin (a new file); the crash restart
# may continue the file (on the meeting's clock, across the gap).  Whatever
# the split, every file plays and together they hold the three runs: at
# least what was sent, at most the time the user was in the meeting.
tot=0
for f in "$d"/1501_*.mp4; do tot=$(awk -v a="$tot" -v b="$(probe_dur "$f" v)" 'BEGIN { print a + b }'); done
fgt "$tot" "$(awk -v s="$sent" 'BEGIN { print s - 0.5 }')" && flt "$tot" "$(awk -v s="$inmeet" 'BEGIN { print s + 0.5 }')" \
	&& t_pass "the video files hold the three runs ($tot s: $sent s sent, $inmeet s in the meeting)" \
	|| t_fail "video duration" "$tot s; $sent s sent, $inmeet s in the meeting: $(ls "$d")"
grep -q 'packets after its BYE' "$d/recording.log" && t_pass "the restart after a BYE is logged" || t_fail "BYE restart log" "$(grep SSRC "$d/recording.log" | head)"
n=$(grep -c 'its RTP times jumped' "$d/recording.log")
[ "$n" = 2 ] && t_pass "the restart without a BYE is logged, once per stream" || t_fail "crash restart log" "$n: $(grep SSRC "$d/recording.log" | head)"
# The channel stream: after the rejoin, codec records again (agrec-stream(5), ORDER).
"$RECORD" --dump "$T/stream.bin" >"$T/dump.txt"
nj=$(grep -c ' join .*uid=1501' "$T/dump.txt")
bad=$(awk '/uid=1501/ { if (want && $2 != "codec") bad++; want = ($2 == "join") } END { print bad + 0 }' "$T/dump.txt")
[ "$nj" -ge 2 ] && [ "$bad" = 0 ] && t_pass "each of the $nj joins in the stream is followed by codec records" \
	|| t_fail "codec records after a rejoin" "$nj joins, $bad without a codec record after them"

# Two senders at once with the same SSRCs (RFC 3550 8.2): the first one
# is kept while it sends; the other's packets are dropped and logged.
port=$(free_port)
rec_start c --channel collide --recordFileRootDir "$T/c" --listen "127.0.0.1:$port" --idle 3 || exit 1
send_color "$port" 4 1601 0x16010 0x16011 0xff0000 440 & a=$!
# The second sender starts once the first one's streams are known.
wait_for 20 rec_logged "$REC_DIR" 'new SSRC 00016010|new SSRC 00016011' 2 || t_fail "the first sender is seen" "$(tail -n 5 "$REC_DIR/recording.log")"
wait_for 20 rec_logged "$REC_DIR" 'uid 1601 joined' || t_fail "the first sender joins" "$(tail -n 5 "$REC_DIR/recording.log")"
send_color "$port" 2 1601 0x16010 0x16011 0x0000ff 880 & b=$!
PIDS+=("$a" "$b"); wait "$a" "$b"
rec_wait 20
d=$REC_DIR
f=$(ls "$d"/1601_*.mp4 | head -n 1)
nv=$(ls "$d"/1601_*.mp4 | wc -l)
read -r y u v < <(ffmpeg -v error -ss 2 -i "file:$f" -frames:v 1 -vf "scale=1:1:flags=area,format=yuv444p" -f rawvideo - | od -An -tu1)
[ "$nv" = 1 ] && fnear "$v" 240 20 && t_pass "SSRC collision: the first sender's red kept in one file ($y $u $v)" || t_fail "SSRC collision" "$nv files, colour $y $u $v"
vd=$(probe_dur "$f" v)
fnear "$vd" 4 0.3 && t_pass "SSRC collision: the first sender whole ($vd s)" || t_fail "SSRC collision duration" "$vd"
grep -q 'packets from a second source' "$d/recording.log" && t_pass "SSRC collision logged" || t_fail "collision log" "$(grep SSRC "$d/recording.log" | tail -3)"
