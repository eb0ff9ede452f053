# tests/capture/lib.sh - helpers of the agrec-capture tests (sourced).
CAPTURE=$AGREC_BUILD/agrec-capture

# jpeg_stats FILE: "CODEC WxH Y U V" of a JPEG (mean planes, full range).
jpeg_stats() {
	local c s m
	c=$(ffprobe -v error -show_entries stream=codec_name,width,height -of csv=p=0 -- "$1" 2>/dev/null | head -n 1)
	m=$(ffmpeg -nostdin -v error -i "$1" -vf signalstats,metadata=mode=print:file=- -f null - 2>/dev/null |
		awk -F= '/YAVG/{y=$2} /UAVG/{u=$2} /VAVG/{v=$2} END{printf "%d %d %d", y, u, v}')
	IFS=, read -r cn w h <<<"$c"
	echo "$cn ${w}x$h $m"
}

# colour_of Y U V: red, green, blue, grey or other (full-range YUV of a colour source).
colour_of() {
	awk -v y="$1" -v u="$2" -v v="$3" 'function near(a, b) { return a - b < 25 && b - a < 25 }
	BEGIN {
		if (near(y, 76) && near(u, 85) && near(v, 255)) print "red";
		else if (near(y, 76) && near(u, 86) && near(v, 74)) print "green";
		else if (near(y, 29) && near(u, 255) && near(v, 107)) print "blue";
		else if (near(u, 128) && near(v, 128)) print "grey";
		else print "other" }'
}

# check_snaps NAME DIR UID COLOUR SIZE: every DIR/UID_*.jpg is an mjpeg of SIZE in COLOUR.
check_snaps() {
	local name=$1 dir=$2 uid=$3 col=$4 size=$5 f st bad=
	for f in "$dir/${uid}"_*.jpg; do
		[ -e "$f" ] || { bad="no JPEG"; break; }
		st=$(jpeg_stats "$f")
		set -- $st
		if [ "$1" != mjpeg ] || [ "$2" != "$size" ] || [ "$(colour_of "$3" "$4" "$5")" != "$col" ]; then
			bad="${f##*/}: $st"; break
		fi
	done
	[ -z "$bad" ] && t_pass "$name" || t_fail "$name" "$bad (want mjpeg $size $col)"
}

# send_colour PORT SECONDS CNAME SSRC SIZE COLOUR [GOP] [VCODEC]: a video-only RTP sender
# of a solid colour (H.264 baseline or VP8), BYE at the end.  With
# SEND_PROGRESS=FILE, ffmpeg reports to FILE what it has sent (sent_secs).
send_colour() {
	local gop=${7:-30} venc prog=()
	[ -n "${SEND_PROGRESS:-}" ] && prog=(-progress "$SEND_PROGRESS" -stats_period 0.1)
	if [ "${8:-h264}" = vp8 ]; then
		venc=(-c:v libvpx -deadline realtime -cpu-used 8 -b:v 300k -g "$gop" -keyint_min "$gop"
			-lag-in-frames 0 -error-resilient 1 -pix_fmt yuv420p -payload_type 97)
	else
		venc=(-c:v libx264 -profile:v baseline -preset veryfast -tune zerolatency -g "$gop"
			-keyint_min "$gop" -sc_threshold 0 -pix_fmt yuv420p -threads 1 -payload_type 96)
	fi
	timeout $(($2 + 20)) ffmpeg -hide_banner -nostdin -loglevel error "${prog[@]}" \
		-re -f lavfi -i "color=c=$6:size=$5:rate=15:duration=$2" \
		-map 0:v "${venc[@]}" -f rtp -ssrc "$4" -cname "$3" -rtpflags send_bye "rtp://127.0.0.1:$1" >/dev/null
}

# count_index FILE UID: index lines of UID.
count_index() { jq -c "select(.uid == $2)" <"$1" 2>/dev/null | grep -c .; }
