#!/usr/bin/env bash
# Payload types and uids from an SDP file: a sender with non-default
# payload types and no RTCP at all, whose uid comes from a=ssrc cname
# lines; and --pt on the command line.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/probe.sh"
. "$(dirname "$0")/../lib/rec.sh"
need ffmpeg ffprobe
p1=$(free_port); p2=$((p1 + 2))
mkdir -p "$T/a" "$T/b"
cat >"$T/room.sdp" <<SDP
v=0
o=- 0 0 IN IP4 127.0.0.1
s=room
t=0 0
m=video $p1 RTP/AVP 100
a=rtpmap:100 H264/90000
a=ssrc:1145324612 cname:1006
m=audio $p1 RTP/AVP 120
a=rtpmap:120 opus/48000/2
a=ssrc:1431655765 cname:1006
SDP
rec_start a --channel sdp --recordFileRootDir "$T/a" --listen "127.0.0.1:$p1" --sdp "$T/room.sdp" || exit 1
pa=$REC_PID da=$REC_DIR
rec_start b --channel pt --recordFileRootDir "$T/b" --listen "127.0.0.1:$p2" --pt 100=H264/90000 --pt 120=opus/48000/2 || exit 1
pb=$REC_PID db=$REC_DIR
sender() {	# sender PORT: PT 100/120, no RTCP (skip_rtcp), so no CNAME either
	timeout 30 ffmpeg -hide_banner -nostdin -loglevel error \
		-re -f lavfi -i "testsrc2=size=320x180:rate=15:duration=4" \
		-re -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=4" \
		-map 0:v -c:v libx264 -profile:v baseline -preset veryfast -tune zerolatency -g 30 -keyint_min 30 \
		-sc_threshold 0 -pix_fmt yuv420p -threads 1 \
		-f rtp -payload_type 100 -ssrc 1145324612 -rtpflags skip_rtcp "rtp://127.0.0.1:$1" \
		-map 1:a -c:a libopus -ar 48000 -ac 2 -b:a 64k \
		-f rtp -payload_type 120 -ssrc 1431655765 -rtpflags skip_rtcp "rtp://127.0.0.1:$1" >/dev/null
}
sender "$p1" & s1=$!
sender "$p2" & s2=$!
PIDS+=("$s1" "$s2")
wait "$s1" "$s2"
# No BYE, no RTCP: the recorders have read every datagram, and the one
# without a CNAME has given up waiting for one (the uid is the SSRC).
wait_for 20 rec_drained "$p1" && wait_for 20 rec_drained "$p2" || t_fail "the recorders read every datagram" "$(ss -Hlun "sport = :$p1 or sport = :$p2")"
wait_for 20 rec_logged "$da" 'uid 1006 joined' || t_fail "--sdp: uid 1006 joins" "$(tail -n 5 "$da/recording.log")"
wait_for 20 rec_logged "$db" 'uid (1145324612|1431655765) joined' 2 || t_fail "--pt: both SSRCs join as uids" "$(tail -n 5 "$db/recording.log")"
REC_PID=$pa; rec_stop
REC_PID=$pb; rec_stop
# SDP: one participant, uid 1006, audio and video together.
[ -n "$(ls "$da"/1006_*.mp4 2>/dev/null)" ] && [ -n "$(ls "$da"/1006_*.aac 2>/dev/null)" ] \
	&& t_pass "--sdp: PT 100/120 recorded as uid 1006 (a=ssrc cname)" || t_fail "--sdp: uid 1006" "$(ls "$da")"
[ "$(ls "$da" | grep -c '^uid_')" = 1 ] && t_pass "--sdp: one participant" || t_fail "--sdp: one participant" "$(ls "$da")"
d=$(probe_dur "$(ls "$da"/1006_*.mp4 | head -n 1)" v)
fnear "$d" 4 0.4 && t_pass "--sdp: video 4 s ($d)" || t_fail "--sdp: video" "$d"
# --pt: no CNAME, no SDP: each stream is its own uid, the SSRC.
[ -n "$(ls "$db"/1145324612_*.mp4 2>/dev/null)" ] && [ -n "$(ls "$db"/1431655765_*.aac 2>/dev/null)" ] \
	&& t_pass "--pt: recorded; without a CNAME the uid is the SSRC" || t_fail "--pt: uids" "$(ls "$db")"
d=$(adts_dur "$(ls "$db"/1431655765_*.aac | head -n 1)")
fnear "$d" 4 0.4 && t_pass "--pt: audio 4 s ($d)" || t_fail "--pt: audio" "$d"

# AAC over RTP (RFC 3640, ffmpeg's mpeg4-generic AAC-hbr), mapped with --pt.
p3=$((p1 + 4))
mkdir -p "$T/c"
rec_start c --channel aac --recordFileRootDir "$T/c" --listen "127.0.0.1:$p3" --pt 101=mpeg4-generic/48000/2 || exit 1
timeout 30 ffmpeg -hide_banner -nostdin -loglevel error -re -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=4" \
	-c:a aac -ac 2 -b:a 96k -f rtp -payload_type 101 -ssrc 0x22222227 -cname 1007 -rtpflags send_bye \
	"rtp://127.0.0.1:$p3" >/dev/null
wait_for 20 rec_gone "$REC_DIR" 1007 || t_fail "the recorder sees the AAC sender's BYE" "$(tail -n 5 "$REC_DIR/recording.log")"
rec_stop
a=$(ls "$REC_DIR"/1007_*.aac 2>/dev/null | head -n 1)
if [ -n "$a" ]; then
	d=$(adts_dur "$a")
	fnear "$d" 4 0.4 && t_pass "AAC (RFC 3640) sender: 4 s of AAC ($d)" || t_fail "AAC sender: duration" "$d"
	[ "$(probe_stream_field "$a" a channels)" = 2 ] && t_pass "AAC sender: stereo kept" || t_fail "AAC sender: stereo" ""
	expect_tone "AAC sender: the tone is there" "$a" 1 2
else
	t_fail "AAC (RFC 3640) sender recorded" "$(ls "$REC_DIR")"
fi
