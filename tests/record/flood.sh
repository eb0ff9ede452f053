#!/usr/bin/env bash
# Hostile network input while a real participant records: 20000 packets
# in 5 s (well-formed RTP from thousands of random SSRCs, random bytes,
# absurd lengths).  The recorder stays up with bounded memory, creates no
# participant for the fake streams, and records the real one; --allow
# keeps out sources that are not allowed.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/probe.sh"
. "$(dirname "$0")/../lib/rec.sh"
need ffmpeg ffprobe python3
p1=$(free_port); p2=$((p1 + 2))
mkdir -p "$T/a" "$T/b"
rec_start a --channel flood --recordFileRootDir "$T/a" --listen "127.0.0.1:$p1" || exit 1
pa=$REC_PID da=$REC_DIR
# Only 127.0.0.2 may send to the second recorder.
rec_start b --channel allow --recordFileRootDir "$T/b" --listen "127.0.0.1:$p2" --allow 127.0.0.2/32 || exit 1
pb=$REC_PID db=$REC_DIR
send_av "$p1" 7 1001 0x11111111 0x22222222 & s1=$!
send_av "$p2" 3 1002 0x11111112 0x22222223 & s2=$!
PIDS+=("$s1" "$s2")
# The flood starts once the real participant is being recorded.
wait_for 20 rec_logged "$da" 'uid 1001: started .*\.aac' || t_fail "flood: the participant is recorded first" "$(tail -n 5 "$da/recording.log")"
python3 "$AGREC_TOP/tests/tools/rtp_flood.py" --port "$p1" --packets 20000 --seconds 5 >"$T/flood.json" &
fl=$!
PIDS+=("$fl")
peak=0
for i in $(seq 1 60); do
	kill -0 "$fl" 2>/dev/null || break
	rss=$(awk '/VmRSS/ {print $2}' "/proc/$pa/status" 2>/dev/null)
	[ -n "$rss" ] && [ "$rss" -gt "$peak" ] && peak=$rss
	sleep 0.1
done
wait "$fl" "$s1" "$s2"
wait_for 20 rec_gone "$da" 1001 || t_fail "flood: the recorder sees the BYE" "$(tail -n 5 "$da/recording.log")"
wait_for 20 rec_drained "$p2" || t_fail "--allow: the recorder reads every datagram" "$(ss -Hlun "sport = :$p2")"
kill -0 "$pa" && t_pass "the recorder survived the flood" || t_fail "the recorder survived the flood" ""
REC_PID=$pa; rec_stop
[ "$REC_RC" = 0 ] && t_pass "flood: clean exit" || t_fail "flood: clean exit" "$REC_RC"
REC_PID=$pb; rec_stop
[ "$peak" -lt 200000 ] && t_pass "flood: peak RSS $((peak / 1024)) MiB (< 200 MiB)" || t_fail "flood: RSS bounded" "$((peak / 1024)) MiB"
n=$(ls "$da" | grep -c '^uid_')
[ "$n" = 1 ] && t_pass "flood: no participant for the fake streams" || t_fail "flood: participants" "$(ls "$da" | grep '^uid_' | head)"
v=$(ls "$da"/1001_*.mp4 2>/dev/null) a=$(ls "$da"/1001_*.aac 2>/dev/null)
d=$(probe_dur "$v" v); fnear "$d" 7 0.4 && t_pass "flood: the real participant's video is whole ($d s)" || t_fail "flood: video" "$d"
d=$(adts_dur "$a"); fnear "$d" 7 0.4 && t_pass "flood: the real participant's audio is whole ($d s)" || t_fail "flood: audio" "$d"
grep -qE 'stopped: [1-9][0-9]* garbage' "$da/recording.log" && grep -q 'refusing more' "$da/recording.log" \
	&& t_pass "flood: garbage and refused streams counted" || t_fail "flood: counted" "$(tail -n 1 "$da/recording.log")"
n=$(ls "$db" | grep -c '^uid_')
[ "$n" = 0 ] && grep -qE '[1-9][0-9]* from sources not allowed' "$db/recording.log" \
	&& t_pass "--allow: packets from 127.0.0.1 ignored and counted" || t_fail "--allow" "$n participants; $(tail -n 1 "$db/recording.log")"
