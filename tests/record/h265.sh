#!/usr/bin/env bash
# H.265 (agrec-record --enableH265Support 1, RFC 7798): a real ffmpeg
# sender (libx265, ffmpeg's RTP packetizer: single NAL units, APs, FUs)
# is recorded into an hvc1 .mp4 (codec, frames, duration, size, colour),
# snapshotted live (--getVideoFrame 5) and from the folder by
# agrec-capture, converted by agrec-convert with stream copy (hevc, the
# same packets), composited by agrec-mix from the folder and live; a
# SIGKILLed recorder leaves a file that decodes; --getVideoFrame 1 writes
# a decodable <UID>.h265; with --enableH265Support 0 the stream is
# refused in one log line; parameter sets only in the SDP (--sdp) work.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/probe.sh"
. "$(dirname "$0")/../lib/rec.sh"
need ffmpeg ffprobe jq
ffmpeg -hide_banner -encoders 2>/dev/null | grep -q libx265 \
	|| { t_fail "prerequisite" "ffmpeg has no libx265 encoder"; exit 1; }
[ -x "$AGREC_BUILD/agrec-capture" ] && [ -x "$AGREC_BUILD/agrec-mix" ] \
	|| { t_fail "agrec-capture and agrec-mix are built" "not in $AGREC_BUILD"; exit 1; }
PT=98

# The clip: red with noise (frames of a few kB: FUs) at 320x240, 15 fps,
# parameter sets in band, key frames at 0 s, then at 5.6 s and every
# second after.  It is encoded first and sent with -c copy from 0.5 s: the
# recorder drops the frames before the key frame at 5.6 s, so its clock
# is anchored after its first 5 s, when it no longer moves the anchor to
# the earliest arrival.  Anchored earlier, its times follow the arrivals'
# jitter (at most 2 ms a frame), ffprobe guesses a frame rate that is not
# 15/1, and agrec-convert (rightly, by its rule) re-encodes.
ffmpeg -hide_banner -nostdin -loglevel error -f lavfi \
	-i "color=c=red:size=320x240:rate=15:duration=10.6,noise=alls=12:allf=t" \
	-c:v libx265 -preset ultrafast -pix_fmt yuv420p -force_key_frames 0,5.6,6.6,7.6,8.6,9.6 -forced-idr 1 \
	-x265-params keyint=1000:min-keyint=1000:bframes=0:repeat-headers=1:pools=1:frame-threads=1:log-level=error \
	"$T/red.mkv" || { t_fail "encode the H.265 clip" "libx265 failed"; exit 1; }

# send_h265 PORT FROM TO CNAME SSRC: the clip from FROM to TO seconds, BYE
# at the end.  FROM 5.6 or later: an input seek to a key frame, sent at
# once; before: an output seek (ffmpeg -re reads up to FROM first), then
# the frames before 5.6 s, not key frames (-copyinkf).  With
# SEND_PROGRESS=FILE, ffmpeg reports what it has sent.
send_h265() {
	local prog=() seek=(-i "$T/red.mkv" -ss "$2" -to "$3")
	[ -n "${SEND_PROGRESS:-}" ] && prog=(-progress "$SEND_PROGRESS" -stats_period 0.1)
	awk -v f="$2" 'BEGIN { exit !(f >= 5.6) }' \
		&& seek=(-ss "$2" -i "$T/red.mkv" -t "$(awk -v f="$2" -v t="$3" 'BEGIN { print t - f }')")
	timeout 30 ffmpeg -hide_banner -nostdin -loglevel error "${prog[@]}" -re "${seek[@]}" \
		-map 0:v -c:v copy -copyinkf -f rtp -payload_type $PT \
		-ssrc "$5" -cname "$4" -rtpflags send_bye "rtp://127.0.0.1:$1" >/dev/null
}
uvof() {	# uvof FILE: mean "Y U V" of its first picture
	ffmpeg -v error -i "file:$1" -frames:v 1 -vf "scale=1:1:flags=area,format=yuv444p" -f rawvideo - | od -An -tu1
}
frames_of() {	# frames_of FILE: video frames ffprobe decodes
	ffprobe -v error -select_streams v:0 -count_frames -show_entries stream=nb_read_frames \
		-of default=nw=1:nk=1 "file:$1" 2>/dev/null | head -n 1
}
decode_errors() { ffmpeg -v error -i "file:$1" -f null - 2>&1 | head -n 2; }
is_red() { local y u v; read -r y u v < <(uvof "$1"); fnear "$v" 240 25 && fnear "$u" 90 30; }

# 1. Recorded (with live snapshots), then converted, captured and mixed.
port=$(free_port)
rec_start a --channel h265 --recordFileRootDir "$T/a" --listen "127.0.0.1:$port" \
	--enableH265Support 1 --pt "$PT=H265/90000" --getVideoFrame 5 --captureInterval 1 \
	--idle 30 || exit 1
send_h265 "$port" 0.5 9.6 2001 0x2001 & PIDS+=("$!"); wait "$!"
wait_for 10 rec_gone "$REC_DIR" 2001 || t_fail "the recorder sees uid 2001 leave" "$(tail -n 3 "$REC_DIR/recording.log")"
rec_stop
d=$REC_DIR
[ "$REC_RC" = 0 ] && t_pass "recorder exits 0" || t_fail "recorder exit" "$REC_RC"
f=$(ls "$d"/2001_*.mp4 2>/dev/null | head -n 1)
if [ -z "$f" ]; then
	t_fail "an .mp4 for uid 2001" "none: $(ls "$d" | tr '\n' ' '); $(tail -n 5 "$d/recording.log")"
	exit 1
fi
x="$(probe_stream_field "$f" v codec_name) $(probe_stream_field "$f" v codec_tag_string)"
x="$x $(probe_stream_field "$f" v width)x$(probe_stream_field "$f" v height)"
[ "$x" = "hevc hvc1 320x240" ] && t_pass "the .mp4 is hevc (hvc1) 320x240" || t_fail "the .mp4's stream" "'$x'"
n=$(frames_of "$f") dur=$(probe_dur "$f" v)
[ "${n:-0}" -ge 52 ] && [ "${n:-0}" -le 61 ] && t_pass "the .mp4 has $n frames (4 s at 15 fps)" \
	|| t_fail "the .mp4's frames" "${n:-none}, want 52..61"
fnear "$dur" 4 0.4 && t_pass "the .mp4 lasts $dur s" || t_fail "the .mp4's duration" "${dur:-none}, want 4"
e=$(decode_errors "$f")
[ -z "$e" ] && t_pass "the .mp4 decodes without errors" || t_fail "the .mp4 decodes" "$e"
is_red "$f" && t_pass "the .mp4's first picture is red" || t_fail "the .mp4's colour" "$(uvof "$f")"
grep -q "2001_.*\.mp4" "$(ls "$d"/uid_2001_*.txt | head -n 1)" \
	&& t_pass "the txt lists the .mp4" || t_fail "the txt" "$(cat "$d"/uid_2001_*.txt)"
# agrec-capture fed the channel stream: the media records are H.265.
j=$(ls "$d" | grep -E '^2001_[0-9]{17}\.jpg$' | head -n 1)
nj=$(ls "$d" | grep -cE '^2001_[0-9]{17}\.jpg$')
[ "$nj" -ge 3 ] && t_pass "live snapshots from the stream: $nj JPEGs" || t_fail "live snapshots" "$nj"
[ -n "$j" ] && is_red "$d/$j" && t_pass "the live snapshot is red, not grey" \
	|| t_fail "live snapshot colour" "${j:-none}: $([ -n "$j" ] && uvof "$d/$j")"

# agrec-convert: stream copy, the same packets.
if "$CONVERT" -q --json -f "$d" >"$T/conv.json" 2>"$T/conv.err"; then
	o=$(ls "$d"/2001_*_av.mp4 2>/dev/null | head -n 1)
	x="$(probe_stream_field "$o" v codec_name) $(probe_stream_field "$o" v codec_tag_string)"
	[ "$x" = "hevc hvc1" ] && t_pass "converted: hevc, tagged hvc1" || t_fail "converted stream" "'$x'"
	[ "$(jq -r '.folders[0].outputs[0].video_copied' "$T/conv.json")" = true ] \
		&& t_pass "converted with stream copy (json video_copied)" || t_fail "video_copied" "$(cat "$T/conv.json")"
	grep -q -- '-c:v copy -tag:v hvc1' "$d/convert.log" && ! grep -q libx26 "$d/convert.log" \
		&& t_pass "convert.log: -c:v copy, no encoder" || t_fail "convert argv" "$(grep '^\$' "$d/convert.log")"
	a=$(ffprobe -v error -select_streams v:0 -show_entries packet=size -of csv=p=0 "file:$f" | md5sum)
	b=$(ffprobe -v error -select_streams v:0 -show_entries packet=size -of csv=p=0 "file:$o" | md5sum)
	nc=$(frames_of "$o")
	[ "$a" = "$b" ] && t_pass "converted: the recorded packets, unchanged ($nc frames)" \
		|| t_fail "converted packets" "sizes differ; $nc frames against $n"
	e=$(decode_errors "$o")
	[ -z "$e" ] && t_pass "converted file decodes" || t_fail "converted file decodes" "$e"
else
	t_fail "agrec-convert" "status $?: $(tail -n 3 "$T/conv.err")"
fi
# agrec-capture from the folder.
mkdir -p "$T/cap"
if "$AGREC_BUILD/agrec-capture" -q --captureInterval 1 -o "$T/cap" -f "$d" 2>"$T/cap.err"; then
	j=$(ls "$T/cap"/2001_*.jpg 2>/dev/null | sed -n 2p)
	[ -n "$j" ] && is_red "$j" && t_pass "agrec-capture -f: $(ls "$T/cap"/*.jpg | wc -l) red snapshots" \
		|| t_fail "agrec-capture -f colour" "${j:-none}: $([ -n "$j" ] && uvof "$j")"
else
	t_fail "agrec-capture -f" "status $?: $(tail -n 3 "$T/cap.err")"
fi
# agrec-mix from the folder: the user's tile is red (the canvas is 360x640).
mkdir -p "$T/mix"
if "$AGREC_BUILD/agrec-mix" -q -f "$d" -o "$T/mix" 2>"$T/mix.err"; then
	m=$(ls "$T/mix"/0_*.mp4 2>/dev/null | head -n 1)
	read -r y u v < <(ffmpeg -v error -ss 2 -i "file:$m" -frames:v 1 \
		-vf "crop=iw/2:ih/4:iw/4:ih*3/8,scale=1:1:flags=area,format=yuv444p" -f rawvideo - | od -An -tu1)
	fnear "${v:-0}" 240 30 && t_pass "agrec-mix -f: the composite shows the red H.265 picture" \
		|| t_fail "agrec-mix -f colour" "${m:-no mp4}: $y $u $v"
else
	t_fail "agrec-mix -f" "status $?: $(tail -n 3 "$T/mix.err")"
fi

# 2. SIGKILL mid-recording: what was written decodes.
port=$(free_port)
rec_start k --channel h265k --recordFileRootDir "$T/k" --listen "127.0.0.1:$port" \
	--enableH265Support 1 --pt "$PT=H265/90000" || exit 1
SEND_PROGRESS=$T/sentk send_h265 "$port" 5.6 10.6 2002 0x2002 & s=$!; PIDS+=("$s")
wait_for 30 sent_at_least 3.5 "$T/sentk" || t_fail "the sender gets to 3.5 s" "$(sent_secs "$T/sentk")"
kill -9 "$REC_PID"
wait "$s" 2>/dev/null
f=$(ls "$REC_DIR"/2002_*.mp4 2>/dev/null | head -n 1)
n=$([ -n "$f" ] && frames_of "$f")
e=$([ -n "$f" ] && decode_errors "$f")
[ -n "$f" ] && [ -z "$e" ] && [ "${n:-0}" -ge 15 ] \
	&& t_pass "SIGKILL at 3.5 s: the .mp4 decodes without errors ($n frames)" \
	|| t_fail "SIGKILL: the .mp4 decodes" "${f:-no file}: ${n:-0} frames; $e"

# 3. --getVideoFrame 1: <UID>.h265, Annex-B.
port=$(free_port)
rec_start r --channel h265r --recordFileRootDir "$T/r" --listen "127.0.0.1:$port" \
	--enableH265Support 1 --pt "$PT=H265/90000" --getVideoFrame 1 --idle 30 || exit 1
send_h265 "$port" 5.6 8.6 2003 0x2003 & PIDS+=("$!"); wait "$!"
wait_for 10 rec_gone "$REC_DIR" 2003 || t_fail "the recorder sees uid 2003 leave" "$(tail -n 3 "$REC_DIR/recording.log")"
rec_stop
f=$REC_DIR/2003.h265
if [ -s "$f" ]; then
	x=$(ffprobe -v error -f hevc -show_entries stream=codec_name,width,height -of csv=p=0 "file:$f")
	n=$(ffprobe -v error -f hevc -count_frames -show_entries stream=nb_read_frames -of csv=p=0 "file:$f")
	e=$(ffmpeg -v error -f hevc -i "file:$f" -f null - 2>&1 | head -n 2)
	[ "$x" = "hevc,320,240" ] && [ -z "$e" ] && [ "${n:-0}" -ge 35 ] \
		&& t_pass "--getVideoFrame 1: 2003.h265 is Annex-B hevc 320x240, $n frames, decodes" \
		|| t_fail "--getVideoFrame 1: 2003.h265" "'$x' $n frames; $e"
	jqe "$f.json" '.format == "h265" and .framing == "annexb" and .width == 320' \
		&& t_pass "--getVideoFrame 1: the sidecar says h265" || t_fail "the sidecar" "$(cat "$f.json")"
else
	t_fail "--getVideoFrame 1: 2003.h265" "none: $(ls "$REC_DIR" | tr '\n' ' ')"
fi
[ -z "$(ls "$REC_DIR"/*.mp4 2>/dev/null)" ] && t_pass "--getVideoFrame 1: no .mp4" \
	|| t_fail "--getVideoFrame 1: no .mp4" "$(ls "$REC_DIR")"

# 4. --enableH265Support 0 (the default): refused, said once.
port=$(free_port)
rec_start z --channel h265z --recordFileRootDir "$T/z" --listen "127.0.0.1:$port" \
	--pt "$PT=H265/90000" --idle 30 || exit 1
send_h265 "$port" 5.6 7.6 2004 0x2004 & PIDS+=("$!"); wait "$!"
wait_for 10 rec_logged "$REC_DIR" 'refused' || t_fail "the recorder logs the refusal" "$(tail -n 3 "$REC_DIR/recording.log")"
rec_stop
n=$(grep -c 'H.265 (PT 98) refused: H.265 support is off (--enableH265Support 1 records it)' \
	"$REC_DIR/recording.log")
[ "$n" = 1 ] && t_pass "--enableH265Support 0: refused in one log line" \
	|| t_fail "--enableH265Support 0: the log" "$n lines: $(tail -n 4 "$REC_DIR/recording.log")"
[ -z "$(ls "$REC_DIR"/*.mp4 "$REC_DIR"/uid_* 2>/dev/null)" ] && t_pass "--enableH265Support 0: no files" \
	|| t_fail "--enableH265Support 0: no files" "$(ls "$REC_DIR")"

# 5. Parameter sets only in the SDP (sprop-vps/sps/pps, ffmpeg's -sdp_file),
# none in band (filter_units removes VPS, SPS and PPS): read by --sdp.
ffmpeg -hide_banner -nostdin -loglevel error -i "$T/red.mkv" -t 0.1 -map 0:v -c:v copy \
	-f rtp -payload_type $PT -sdp_file "$T/h265.sdp" "rtp://127.0.0.1:9" >/dev/null
grep -q 'sprop-sps=' "$T/h265.sdp" || t_fail "ffmpeg's SDP has sprop-sps" "$(cat "$T/h265.sdp")"
port=$(free_port)
rec_start s --channel h265s --recordFileRootDir "$T/s" --listen "127.0.0.1:$port" \
	--enableH265Support 1 --sdp "$T/h265.sdp" --idle 30 || exit 1
timeout 30 ffmpeg -hide_banner -nostdin -loglevel error -re -ss 5.6 -i "$T/red.mkv" -t 3 \
	-map 0:v -c:v copy -copyinkf -bsf:v "filter_units=remove_types=32|33|34" -f rtp \
	-payload_type $PT -ssrc 0x2005 -cname 2005 -rtpflags send_bye "rtp://127.0.0.1:$port" >/dev/null &
PIDS+=("$!"); wait "$!"
wait_for 10 rec_gone "$REC_DIR" 2005 || t_fail "the recorder sees uid 2005 leave" "$(tail -n 3 "$REC_DIR/recording.log")"
rec_stop
f=$(ls "$REC_DIR"/2005_*.mp4 2>/dev/null | head -n 1)
n=$([ -n "$f" ] && frames_of "$f")
e=$([ -n "$f" ] && decode_errors "$f")
[ -n "$f" ] && [ -z "$e" ] && [ "${n:-0}" -ge 35 ] \
	&& t_pass "parameter sets from the SDP's sprop-*: the .mp4 decodes ($n frames)" \
	|| t_fail "sprop-* from --sdp" "${f:-no .mp4}: ${n:-0} frames; $e; $(tail -n 3 "$REC_DIR/recording.log")"

# 6. agrec-mix live, fed the channel stream (--isMixingEnabled 1): the
# composite shows the H.265 user's red picture.
port=$(free_port)
rec_start m --channel h265m --recordFileRootDir "$T/m" --listen "127.0.0.1:$port" \
	--enableH265Support 1 --pt "$PT=H265/90000" --isMixingEnabled 1 --idle 30 || exit 1
send_h265 "$port" 5.6 9.6 2006 0x2006 & PIDS+=("$!"); wait "$!"
wait_for 10 rec_gone "$REC_DIR" 2006 || t_fail "the recorder sees uid 2006 leave" "$(tail -n 3 "$REC_DIR/recording.log")"
rec_stop
m=$(ls "$REC_DIR"/0_*.mp4 2>/dev/null | head -n 1)
read -r y u v < <([ -n "$m" ] && ffmpeg -v error -ss 2 -i "file:$m" -frames:v 1 \
	-vf "crop=iw/2:ih/4:iw/4:ih*3/8,scale=1:1:flags=area,format=yuv444p" -f rawvideo - | od -An -tu1)
fnear "${v:-0}" 240 30 && t_pass "agrec-mix live: the composite shows the red H.265 picture" \
	|| t_fail "agrec-mix live colour" "${m:-no 0_*.mp4}: ${y:-} ${u:-} ${v:-}; $(tail -n 3 "$REC_DIR/recording.log")"
