#!/usr/bin/env bash
# Several participants at once with different codecs: VP8+Opus (F4),
# H.264+PCMU (F5), H.264+Opus at 640x360 (F1), GStreamer rtpbin (G4)
# when gst-launch-1.0 is installed.  Each uid gets its files, probed.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/probe.sh"
. "$(dirname "$0")/../lib/rec.sh"
need ffmpeg ffprobe
port=$(free_port)
mkdir -p "$T/root"
rec_start rec --channel multi --recordFileRootDir "$T/root" --listen "127.0.0.1:$port" --idle 60 \
	|| { t_fail "recorder starts" "$(cat "$T/rec.err")"; exit 1; }
send_av "$port" 5 1002 0x11111112 0x22222223 320x180 vp8 & s1=$!
send_pcmu "$port" 5 1003 0x11111113 -1985229329 & s2=$!
send_av "$port" 5 1004 0x11111114 0x22222224 640x360 & s3=$!
PIDS+=("$s1" "$s2" "$s3")
gst=0
if command -v gst-launch-1.0 >/dev/null; then
	gst=1
	timeout 25 gst-launch-1.0 -q -e \
	  rtpbin name=rb sdes="application/x-rtp-source-sdes,cname=(string)\"1005\",tool=(string)gst-rtpbin" \
	  videotestsrc num-buffers=75 is-live=true pattern=smpte \
	  ! video/x-raw,width=320,height=180,framerate=15/1 ! videoconvert \
	  ! x264enc tune=zerolatency speed-preset=veryfast key-int-max=30 bitrate=400 \
	            threads=1 option-string=scenecut=0 \
	  ! video/x-h264,profile=constrained-baseline \
	  ! rtph264pay config-interval=-1 pt=96 ssrc=0x77777777 ! rb.send_rtp_sink_0 \
	  rb.send_rtp_src_0 ! udpsink host=127.0.0.1 port=$port \
	  rb.send_rtcp_src_0 ! udpsink host=127.0.0.1 port=$((port + 1)) sync=false async=false \
	  audiotestsrc num-buffers=250 samplesperbuffer=960 is-live=true wave=sine freq=440 \
	  ! audio/x-raw,rate=48000,channels=2 ! audioconvert ! opusenc bitrate=64000 \
	  ! rtpopuspay pt=111 ssrc=0x88888888 ! rb.send_rtp_sink_1 \
	  rb.send_rtp_src_1 ! udpsink host=127.0.0.1 port=$port \
	  rb.send_rtcp_src_1 ! udpsink host=127.0.0.1 port=$((port + 1)) sync=false async=false \
	  >/dev/null 2>&1 & s4=$!
	PIDS+=("$s4")
else
	t_skip "GStreamer rtpbin participant" "gst-launch-1.0 is not installed"
fi
wait "$s1" "$s2" "$s3"
[ "$gst" = 1 ] && wait "$s4"
# The ffmpeg senders end with a BYE; rtpbin's may be lost at EOS, so for
# it the recorder has read every datagram.
for u in 1002 1003 1004; do
	wait_for 20 rec_gone "$REC_DIR" "$u" || t_fail "the recorder sees uid $u's BYE" "$(tail -n 5 "$REC_DIR/recording.log")"
done
wait_for 20 rec_drained "$port" || t_fail "the recorder reads every datagram" "$(ss -Hlun "sport = :$port")"
rec_stop
[ "$REC_RC" = 0 ] && t_pass "clean exit" || t_fail "clean exit" "status $REC_RC"

check_user() {	# check_user UID VEXT W H SECS
	local uid=$1 ext=$2 w=$3 h=$4 secs=$5 v a d
	v=$(ls "$REC_DIR"/${uid}_*."$ext" 2>/dev/null | head -n 1)
	a=$(ls "$REC_DIR"/${uid}_*.aac 2>/dev/null | head -n 1)
	if [ -z "$v" ] || [ -z "$a" ]; then
		t_fail "uid $uid: .$ext and .aac written" "$(ls "$REC_DIR")"; return
	fi
	t_pass "uid $uid: .$ext and .aac written"
	[ "$(probe_stream_field "$v" v width)x$(probe_stream_field "$v" v height)" = "${w}x$h" ] \
		&& t_pass "uid $uid: video ${w}x$h" || t_fail "uid $uid: video ${w}x$h" "$(probe_stream_field "$v" v width)"
	d=$(probe_dur "$v" v)
	# Matroska keeps only the segment's duration.
	[ "$ext" = webm ] && d=$(probe_dur "$v")
	fnear "$d" "$secs" 0.4 && t_pass "uid $uid: video lasts $secs s ($d)" || t_fail "uid $uid: video duration" "$d"
	d=$(adts_dur "$a")
	fnear "$d" "$secs" 0.4 && t_pass "uid $uid: audio lasts $secs s ($d)" || t_fail "uid $uid: audio duration" "$d"
	[ -z "$(ffmpeg -v error -i "$v" -f null - 2>&1 | head -n 2)" ] && t_pass "uid $uid: video decodes" \
		|| t_fail "uid $uid: video decodes" "$(ffmpeg -v error -i "$v" -f null - 2>&1 | head -n 2)"
	[ "$(ls "$REC_DIR"/uid_${uid}_*.txt | wc -l)" = 1 ] && t_pass "uid $uid: one txt" || t_fail "uid $uid: one txt" ""
}
check_user 1002 webm 320 180 5
[ "$(probe_stream_field "$(ls "$REC_DIR"/1002_*.webm)" v codec_name)" = vp8 ] && t_pass "VP8 stays VP8 in .webm" \
	|| t_fail "VP8 stays VP8 in .webm" ""
check_user 1003 mp4 320 180 5
[ "$(probe_stream_field "$(ls "$REC_DIR"/1003_*.aac)" a sample_rate)" = 48000 ] && t_pass "PCMU becomes AAC 48 kHz" \
	|| t_fail "PCMU becomes AAC 48 kHz" ""
check_user 1004 mp4 640 360 5
[ "$gst" = 1 ] && check_user 1005 mp4 320 180 5
[ "$(ls "$REC_DIR" | grep -c '^uid_')" = $((3 + gst)) ] && t_pass "one txt per participant, no stray uids" \
	|| t_fail "one txt per participant" "$(ls "$REC_DIR" | grep '^uid_')"
if "$CONVERT" -q -m 0 -f "$REC_DIR"; then
	n=$(ls "$REC_DIR"/*_av.mp4 | wc -l)
	[ "$n" = $((3 + gst)) ] && t_pass "agrec-convert -m 0 converts every participant" || t_fail "converted outputs" "$n"
	for f in "$REC_DIR"/*_av.mp4; do
		d=$(probe_dur "$f")
		fnear "$d" 5 0.5 || t_fail "converted $(basename "$f") lasts ~5 s" "$d"
	done
	t_pass "converted outputs probed"
else
	t_fail "agrec-convert converts the recording" "status $?"
fi
