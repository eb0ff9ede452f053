#!/usr/bin/env bash
# agrec-record --decryptionMode/--secret: ffmpeg sends SRTP and SRTCP
# (its srtp:// output, the SDES suites AES_CM_128_HMAC_SHA1_80 and _32)
# to the plain-RTP port; the user's audio and video files are recorded
# as from plain RTP.  A wrong key: nothing recorded, the authentication
# failure said once in recording.log, the key never, a clean exit.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/probe.sh"
. "$(dirname "$0")/../lib/rec.sh"
need ffmpeg ffprobe

# send_srtp PORT SECONDS CNAME VSSRC ASSRC SUITE KEY: send_av's participant
# (H.264 + Opus, BYE at the end) over SRTP.
send_srtp() {
	local srtp=(-srtp_out_suite "$6" -srtp_out_params "$7")
	timeout $(($2 + 20)) ffmpeg -hide_banner -nostdin -loglevel error \
		-re -f lavfi -i "testsrc2=size=320x180:rate=15:duration=$2" \
		-re -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=$2" \
		-map 0:v -c:v libx264 -profile:v baseline -preset veryfast -tune zerolatency \
		-g 30 -keyint_min 30 -sc_threshold 0 -pix_fmt yuv420p -threads 1 -payload_type 96 \
		-f rtp -ssrc "$4" -cname "$3" -rtpflags send_bye "${srtp[@]}" "srtp://127.0.0.1:$1" \
		-map 1:a -c:a libopus -ar 48000 -ac 2 -b:a 64k \
		-f rtp -payload_type 111 -ssrc "$5" -cname "$3" -rtpflags send_bye "${srtp[@]}" \
		"srtp://127.0.0.1:$1" >/dev/null
}

# The 30 bytes 0x00..0x1d; the wrong key differs in its last byte.
KEY=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd
WRONG=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwe

# recorded SUITE: a 4 s participant over SRTP with SUITE, recorded.
recorded() {
	local suite=$1 port aac mp4 d
	port=$(free_port)
	mkdir -p "$T/$suite"
	rec_start "rec-$suite" --channel srtp --recordFileRootDir "$T/$suite" --listen "127.0.0.1:$port" \
		--idle 60 --decryptionMode "$suite" --secret "inline:$KEY|2^31" \
		|| { t_fail "$suite: recorder starts" "$(cat "$T/rec-$suite.err")"; return; }
	send_srtp "$port" 4 1001 0x11111111 0x22222222 "$suite" "$KEY"
	wait_for 20 rec_gone "$REC_DIR" 1001 \
		|| t_fail "$suite: the recorder sees the BYE (SRTCP)" "$(tail -n 5 "$REC_DIR/recording.log")"
	rec_stop
	[ "$REC_RC" = 0 ] && t_pass "$suite: SIGTERM: clean exit 0" \
		|| t_fail "$suite: SIGTERM: clean exit 0" "status $REC_RC: $(cat "$T/rec-$suite.err")"
	! grep -q 'SRTP' "$REC_DIR/recording.log" && t_pass "$suite: every packet authenticated" \
		|| t_fail "$suite: every packet authenticated" "$(grep SRTP "$REC_DIR/recording.log")"
	aac=$(ls "$REC_DIR"/1001_*.aac 2>/dev/null) mp4=$(ls "$REC_DIR"/1001_*.mp4 2>/dev/null)
	if [ -z "$aac" ] || [ -z "$mp4" ]; then
		t_fail "$suite: uid 1001 (its SRTCP CNAME) has audio and video" "$(ls "$REC_DIR")"
		return
	fi
	t_pass "$suite: uid 1001 (its SRTCP CNAME) has audio and video"
	d=$(adts_dur "$aac")
	fnear "$d" 4.0 0.25 && [ "$(probe_stream_field "$aac" a codec_name)" = aac ] \
		&& t_pass "$suite: audio is AAC, 4 s ($d)" || t_fail "$suite: audio is AAC, 4 s" "$d"
	d=$(probe_dur "$mp4" v)
	fnear "$d" 4.0 0.25 && [ "$(probe_stream_field "$mp4" v codec_name)" = h264 ] \
		&& [ "$(probe_stream_field "$mp4" v width)" = 320 ] \
		&& t_pass "$suite: video is H.264 320x180, 4 s ($d)" || t_fail "$suite: video is H.264 320x180, 4 s" "$d"
	grep -rqF "$KEY" "$REC_DIR" "$T/rec-$suite.err" "$T/rec-$suite.out" \
		&& t_fail "$suite: the key is written nowhere" "" || t_pass "$suite: the key is written nowhere"
}

recorded AES_CM_128_HMAC_SHA1_80
recorded AES_CM_128_HMAC_SHA1_32

# A wrong key: every packet fails; nothing is recorded.
port=$(free_port)
mkdir -p "$T/wrong"
rec_start wrong --channel srtp --recordFileRootDir "$T/wrong" --listen "127.0.0.1:$port" --idle 60 \
	--decryptionMode AES_CM_128_HMAC_SHA1_80 --secret "$KEY" \
	|| { t_fail "wrong key: recorder starts" "$(cat "$T/wrong.err")"; exit 1; }
send_srtp "$port" 2 1001 0x11111111 0x22222222 AES_CM_128_HMAC_SHA1_80 "$WRONG"
wait_for 20 rec_drained "$port"
rec_stop
[ "$REC_RC" = 0 ] && t_pass "wrong key: SIGTERM: clean exit 0" \
	|| t_fail "wrong key: SIGTERM: clean exit 0" "status $REC_RC: $(cat "$T/wrong.err")"
n=$(grep -c 'SRTP: packets that fail authentication (wrong --secret or suite?)' "$REC_DIR/recording.log")
[ "$n" = 1 ] && t_pass "wrong key: the failure is said once" \
	|| t_fail "wrong key: the failure is said once" "$n: $(grep SRTP "$REC_DIR/recording.log")"
media=$(ls "$REC_DIR" | grep -E '\.(aac|mp4)$|^uid_')
[ -z "$media" ] && t_pass "wrong key: no media files" || t_fail "wrong key: no media files" "$media"
grep -rqF -e "$KEY" -e "$WRONG" "$REC_DIR" "$T/wrong.err" "$T/wrong.out" \
	&& t_fail "wrong key: the key is written nowhere" "" || t_pass "wrong key: the key is written nowhere"
