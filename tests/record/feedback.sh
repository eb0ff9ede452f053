#!/usr/bin/env bash
# Key frame requests reach a sender that takes them elsewhere, and video
# that never decodes is not silent (issue 11, the recorder's side).
#
# The senders are ffmpeg with one key frame, its first, and no RTCP (as
# the Janus videoroom's rtp_forward sends: RTP only), started before the
# recorder so that key frame is missed; rtcp_sink.py plays the socket
# where the sender takes feedback and counts the PLI/FIR it receives.
#  1. a datagram from that socket to PORT+1 (Janus's 12-byte latch) is
#     where the PLIs go; the no-video warning (stderr, recording.log),
#     exit status 65, the no-video note, and agrec-convert's warning;
#  2. --feedback SSRC=ADDR:PORT;
#  3. an SDP a=rtcp:PORT line, with a=rtcp-fb ccm fir only: FIRs.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/probe.sh"
. "$(dirname "$0")/../lib/rec.sh"
need ffmpeg ffprobe python3 jq
SINK=$AGREC_TOP/tests/tools/rtcp_sink.py

# wait_for SECONDS CMD...: poll CMD until it succeeds, at most SECONDS.
wait_for() {
	local end=$((SECONDS + $1)); shift
	until "$@"; do
		[ "$SECONDS" -ge "$end" ] && return 1
		sleep 0.1
	done
}
frames_at_least() { awk -F= -v n="$2" '/^frame=/ { f = $2 } END { exit !(f + 0 >= n) }' "$1" 2>/dev/null; }
# sink_count FILE pli|fir: the count; sink_ssrcs FILE pli|fir: the SSRCs
sink_count() { awk -v k="$2" '$1 == k { print $2 }' "$1" 2>/dev/null; }
sink_ssrcs() { awk -v k="$2" '$1 == k { $1 = ""; $2 = ""; sub(/^ +/, ""); print }' "$1" 2>/dev/null; }
sink_has() { [ "$(sink_count "$1" "$2")" -ge "$3" ] 2>/dev/null; }
sink_port() { awk '$1 == "port" { print $2 }' "$1" 2>/dev/null; }

# send_rare PORT SECONDS VSSRC ASSRC PROGRESS: H.264 with one key frame
# (and its SPS/PPS) at the start, Opus unless ASSRC is -, no RTCP.
send_rare() {
	local aud=() amap=()
	if [ "$4" != - ]; then
		aud=(-re -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=$2")
		amap=(-map 1:a -c:a libopus -ar 48000 -ac 2 -b:a 64k -f rtp -payload_type 111 -ssrc "$4"
			-rtpflags skip_rtcp "rtp://127.0.0.1:$1")
	fi
	timeout $(($2 + 30)) ffmpeg -hide_banner -nostdin -loglevel error -progress "$5" \
		-re -f lavfi -i "testsrc2=size=320x180:rate=15:duration=$2" "${aud[@]}" \
		-map 0:v -c:v libx264 -profile:v baseline -preset veryfast -tune zerolatency \
		-g 10000 -keyint_min 10000 -sc_threshold 0 -pix_fmt yuv420p -threads 1 \
		-f rtp -payload_type 96 -ssrc "$3" -rtpflags skip_rtcp "rtp://127.0.0.1:$1" "${amap[@]}" >/dev/null
}

# ---- 1. a latch on PORT+1 ----------------------------------------------------
p=$(free_port)
mkdir -p "$T/a"
cat >"$T/a.sdp" <<SDP
v=0
o=- 0 0 IN IP4 127.0.0.1
s=room
t=0 0
m=video $p RTP/AVP 96
a=rtpmap:96 H264/90000
a=ssrc:1145324612 cname:2001
m=audio $p RTP/AVP 111
a=rtpmap:111 opus/48000/2
a=ssrc:1431655765 cname:2001
SDP
python3 "$SINK" --out "$T/a.sink" --latch "127.0.0.1:$((p + 1))" --duration 60 & ka=$!
PIDS+=("$ka")
wait_for 30 test -s "$T/a.sink" || { t_fail "latch: rtcp_sink.py started" ""; exit 1; }
send_rare "$p" 10 1145324612 1431655765 "$T/a.prog" & sa=$!
PIDS+=("$sa")
# The key frame goes out before the recorder listens: it is missed.
wait_for 20 frames_at_least "$T/a.prog" 5 || { t_fail "latch: sender started" "no progress"; exit 1; }
rec_start a --channel fb --recordFileRootDir "$T/a" --listen "127.0.0.1:$p" --sdp "$T/a.sdp" || exit 1
# As Janus when the forward starts: the latch, as soon as PORT+1 listens.
kill -USR1 "$ka"
sport=$(sink_port "$T/a.sink")
if wait_for 15 sink_has "$T/a.sink" pli 2 && [ "$(sink_ssrcs "$T/a.sink" pli)" = 1145324612 ]; then
	t_pass "latch: the PLIs go to the socket that sent a datagram to PORT+1 ($(sink_count "$T/a.sink" pli))"
else
	t_fail "latch: PLIs at the latch socket" "$(tr '\n' ' ' <"$T/a.sink" 2>/dev/null); log: $(grep -i 'key frame' "$REC_DIR/recording.log" | head -n 3 | tr '\n' ' ')"
fi
warned() { grep -q "uid 2001: .* of H264 video (SSRC 44444444, [0-9]* packets) and no decodable key frame yet; [0-9]* key frame requests sent to 127.0.0.1:$sport (a datagram on the RTCP port)" "$1"; }
if wait_for 15 warned "$T/a.err"; then
	t_pass "no-video warning on stderr names uid, codec, packets and the latch address"
else
	t_fail "no-video warning on stderr" "$(tail -n 3 "$T/a.err" | tr '\n' ' ')"
fi
warned "$REC_DIR/recording.log" && t_pass "no-video warning in recording.log" \
	|| t_fail "no-video warning in recording.log" "$(grep 'uid 2001' "$REC_DIR/recording.log" | tail -n 3 | tr '\n' ' ')"
[ "$(grep -c 'no decodable key frame yet' "$T/a.err")" = 1 ] && t_pass "the warning is said once" \
	|| t_fail "the warning is said once" "$(grep -c 'no decodable key frame yet' "$T/a.err")"
wait "$sa"
rec_stop
kill -TERM "$ka"; wait "$ka" 2>/dev/null
[ "$REC_RC" = 65 ] && t_pass "video packets and no video file: exit status 65" || t_fail "exit status 65" "got $REC_RC"
[ -f "$REC_DIR/recording2-done.txt" ] && t_pass "the folder is finished all the same" || t_fail "recording2-done.txt" "$(ls "$REC_DIR")"
ls "$REC_DIR"/2001_*.mp4 >/dev/null 2>&1 && t_fail "no video file" "$(ls "$REC_DIR")" || t_pass "no video file"
# (under load a stalled ffmpeg child is killed and the audio goes on in a
# new file: the longest one counts)
d=
for aac in "$REC_DIR"/2001_*.aac; do
	x=$(adts_dur "$aac"); fgt "$x" "${d:-0}" && d=$x
done
fgt "$d" 2 && t_pass "the audio is recorded ($d s)" || t_fail "the audio" "${aac:-no .aac}: ${d:-none}"
note='uid 2001: no video: [0-9]* H264 packets and no decodable key frame; [0-9]* key frame requests sent to'
grep -q "^[0-9]*\.[0-9]* $note 127.0.0.1:$sport" "$REC_DIR/recording.log" && grep -q "$note" "$T/a.err" \
	&& t_pass "the no-video note in recording.log and on stderr" \
	|| t_fail "the no-video note" "$(grep 'no video' "$REC_DIR/recording.log" "$T/a.err" | tr '\n' ' ')"
conv -m 1 -f "$REC_DIR"
if [ "$RC" = 0 ] && grep -q "uid_2001_.*txt: the recorder received [0-9]* H264 video packets of uid 2001 and no decodable key frame" "$ERR" \
	&& grep -q "warning: .*no video for this user" "$REC_DIR/convert.log"; then
	t_pass "agrec-convert warns (stderr, convert.log) and exits 0"
else
	t_fail "agrec-convert warns" "$(conv_why)"
fi
m=$(ls "$REC_DIR"/2001_*merge* 2>/dev/null | head -n 1)
if [ -n "$m" ] && [ "$(probe_count "$m" v)" = 0 ] && [ "$(probe_count "$m" a)" = 1 ] && fgt "$(probe_dur "$m" a)" 2; then
	t_pass "agrec-convert: audio only (${m##*/}, $(probe_dur "$m" a) s)"
else
	t_fail "agrec-convert output" "${m:-none}: $(ls "$REC_DIR" | tr '\n' ' ')"
fi

# ---- 2. --feedback, 3. SDP a=rtcp with ccm fir only ---------------------------
pb=$(free_port); pc=$((pb + 2))
mkdir -p "$T/b" "$T/c"
python3 "$SINK" --out "$T/b.sink" --duration 60 & kb=$!
python3 "$SINK" --out "$T/c.sink" --duration 60 & kc=$!
PIDS+=("$kb" "$kc")
wait_for 30 test -s "$T/b.sink" && wait_for 30 test -s "$T/c.sink" || { t_fail "sinks started" ""; exit 1; }
cat >"$T/c.sdp" <<SDP
v=0
o=- 0 0 IN IP4 127.0.0.1
s=room
t=0 0
m=video $pc RTP/AVP 96
a=rtpmap:96 H264/90000
a=rtcp:$(sink_port "$T/c.sink")
a=rtcp-fb:96 ccm fir
a=ssrc:858993459 cname:2003
SDP
send_rare "$pb" 10 572662306 - "$T/b.prog" & sb=$!
send_rare "$pc" 10 858993459 - "$T/c.prog" & sc=$!
PIDS+=("$sb" "$sc")
wait_for 20 frames_at_least "$T/b.prog" 5 && wait_for 20 frames_at_least "$T/c.prog" 5 \
	|| { t_fail "senders started" "no progress"; exit 1; }
rec_start b --channel fbb --recordFileRootDir "$T/b" --listen "127.0.0.1:$pb" \
	--feedback "572662306=127.0.0.1:$(sink_port "$T/b.sink")" || { t_fail "--feedback: recorder" "did not start"; exit 1; }
rb=$REC_PID
rec_start c --channel fbc --recordFileRootDir "$T/c" --listen "127.0.0.1:$pc" --sdp "$T/c.sdp" || exit 1
rcp=$REC_PID
if wait_for 15 sink_has "$T/b.sink" pli 2 && [ "$(sink_ssrcs "$T/b.sink" pli)" = 572662306 ]; then
	t_pass "--feedback SSRC=ADDR:PORT: the PLIs go there"
else
	t_fail "--feedback" "$(tr '\n' ' ' <"$T/b.sink")"
fi
if wait_for 15 sink_has "$T/c.sink" fir 2 && [ "$(sink_ssrcs "$T/c.sink" fir)" = 858993459 ] \
	&& [ "$(sink_count "$T/c.sink" pli)" = 0 ]; then
	t_pass "SDP a=rtcp:PORT and ccm fir only: FIRs go to that port of the RTP host"
else
	t_fail "SDP a=rtcp, FIR" "$(tr '\n' ' ' <"$T/c.sink")"
fi
wait "$sb" "$sc"
REC_PID=$rb; rec_stop; rcb=$REC_RC
REC_PID=$rcp; rec_stop
kill -TERM "$kb" "$kc"; wait "$kb" "$kc" 2>/dev/null
[ "$rcb" = 65 ] && [ "$REC_RC" = 65 ] && t_pass "--feedback, a=rtcp runs: exit status 65 (no video)" \
	|| t_fail "exit status 65" "--feedback $rcb, a=rtcp $REC_RC"
