#!/usr/bin/env bash
# Snapshots from agrec-record (--getVideoFrame 3, 4, 5 run agrec-capture on
# the channel stream): the JPEG names of each mode, their count for the
# duration, the index, the colours, and which video files are written.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/probe.sh"
. "$(dirname "$0")/../lib/rec.sh"
need ffmpeg ffprobe jq
[ -x "$AGREC_BUILD/agrec-capture" ] || { t_fail "agrec-capture is built" "no $AGREC_BUILD/agrec-capture"; exit 1; }
uvof() {	# uvof JPEG: mean "Y U V" of a picture
	ffmpeg -v error -i "file:$1" -frames:v 1 -vf "scale=1:1:flags=area,format=yuv444p" -f rawvideo - | od -An -tu1
}
for mode in 4 5 3; do
	port=$(free_port)
	rec_start m$mode --channel "snap$mode" --recordFileRootDir "$T/m$mode" --listen "127.0.0.1:$port" \
		--getVideoFrame $mode --captureInterval 1 --idle 3 || exit 1
	send_color "$port" 5 1401 0x1401 - 0xff0000 0 & a=$!
	send_color "$port" 5 1402 0x1402 - 0x0000ff 0 & b=$!
	PIDS+=("$a" "$b"); wait "$a" "$b"
	rec_wait 30
	d=$REC_DIR
	[ "$REC_RC" = 0 ] && t_pass "mode $mode: recorder exits 0" || t_fail "mode $mode: recorder exit" "$REC_RC"
	for uid in 1401 1402; do
		if [ $mode = 3 ]; then
			pat="^${uid}_[0-9]{14}\.jpg$"
		else
			pat="^${uid}_[0-9]{17}\.jpg$"
		fi
		n=$(ls "$d" | grep -cE "$pat")
		if [ $mode = 3 ]; then
			[ "$n" -ge 3 ] && [ "$n" -le 6 ] && t_pass "mode 3: uid $uid: $n JPEGs named UID_YYYYMMDDHHMMSS.jpg" || t_fail "mode 3 uid $uid count" "$n: $(ls "$d" | tr '\n' ' ')"
		else
			[ "$n" -ge 4 ] && [ "$n" -le 6 ] && t_pass "mode $mode: uid $uid: $n JPEGs in 5 s at 1 s" || t_fail "mode $mode uid $uid count" "$n: $(ls "$d" | tr '\n' ' ')"
		fi
		j=$(ls "$d" | grep -E "$pat" | head -n 1)
		[ -n "$j" ] || continue
		[ "$(probe_stream_field "$d/$j" v codec_name)" = mjpeg ] && t_pass "mode $mode: $j is a JPEG" || t_fail "mode $mode JPEG" "$j"
		read -r y u v < <(uvof "$d/$j")
		if [ $uid = 1401 ]; then fnear "$v" 240 20; else fnear "$u" 240 20; fi \
			&& t_pass "mode $mode: uid $uid's first snapshot has its colour, not grey ($y $u $v)" || t_fail "mode $mode uid $uid colour" "$y $u $v"
	done
	mp4s=$(ls "$d"/*.mp4 2>/dev/null | wc -l)
	if [ $mode = 5 ]; then
		[ "$mp4s" = 2 ] && t_pass "mode 5: the video files too" || t_fail "mode 5 video files" "$mp4s"
		for uid in 1401 1402; do	# each one probed: H.264 320x240, 5 s, whole, its colour
			f=$(ls "$d"/${uid}_*.mp4 2>/dev/null | head -n 1) why=
			if [ -z "$f" ]; then
				why="no ${uid}_*.mp4"
			else
				x="$(probe_stream_field "$f" v codec_name) $(probe_stream_field "$f" v width)x$(probe_stream_field "$f" v height)"
				[ "$x" = "h264 320x240" ] || why="$why stream '$x', want h264 320x240;"
				dur=$(probe_dur "$f" v)
				fnear "$dur" 5 0.3 || why="$why ${dur:-no} s, want 5;"
				errs=$(ffmpeg -v error -i "file:$f" -f null - 2>&1 | head -n 2)
				[ -z "$errs" ] || why="$why decode errors: $errs;"
				read -r y u v < <(uvof "$f")
				if [ $uid = 1401 ]; then fnear "$v" 240 20; else fnear "$u" 240 20; fi || why="$why first frame YUV '$y $u $v';"
			fi
			[ -z "$why" ] && t_pass "mode 5: uid $uid's mp4 is H.264 320x240, 5 s, its colour" || t_fail "mode 5: uid $uid's mp4" "$why"
		done
	else
		[ "$mp4s" = 0 ] && t_pass "mode $mode: no video files" || t_fail "mode $mode: no video files" "$mp4s"
	fi
	# agrec-record(1): modes 3 to 5 write the index; in mode 3 a
	# snapshot in the same second replaces the JPEG, not its line.
	n=$(wc -l <"$d/snapshots.jsonl" 2>/dev/null || echo 0) nj=$(ls "$d"/*.jpg | wc -l)
	[ "$nj" -gt 0 ] && { [ "$n" = "$nj" ] || { [ $mode = 3 ] && [ "$n" -ge "$nj" ]; }; } \
		&& t_pass "mode $mode: an index line per snapshot ($n lines, $nj JPEGs)" || t_fail "mode $mode index" "$n lines, $nj JPEGs"
	bad=0
	while IFS= read -r p; do [ -f "$d/$(basename "$p")" ] || bad=$((bad + 1)); done < <(jq -r .path "$d/snapshots.jsonl")
	[ $bad = 0 ] && t_pass "mode $mode: every index line names a JPEG" || t_fail "mode $mode index paths" "$bad missing"
done
