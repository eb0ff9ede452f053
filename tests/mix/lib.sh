# tests/mix/lib.sh - sourced by the agrec-mix tests after common.sh and
# probe.sh: a generated 3-user recording folder and pixel/tone probes.
MIX=$AGREC_BUILD/agrec-mix

# mkfolder DIR: a finished folder of three users (session base B =
# 2024-03-01 10:15:00.120 UTC), 320x180 15 fps H.264 in solid colours and
# AAC tones, in the exact 2.3.0 txt grammar:
#   101 red,   440 Hz: A/V 0-6 s
#   102 green, 660 Hz: A/V 1-6 s (its own session base, B + 1 s)
#   103 blue,  880 Hz: A/V 0-2 s; back at 4-6 s with audio only (a second
#                      txt continuing the session)
mkfolder() {
	local d=$1 ff=(ffmpeg -nostdin -v error -y)
	mkdir -p "$d"
	_v() { "${ff[@]}" -f lavfi -i "color=c=$2:s=320x180:r=15:d=$3" -c:v libx264 -profile:v baseline \
		-preset ultrafast -g 30 -pix_fmt yuv420p -threads 1 "file:$d/$1"; }
	_a() { "${ff[@]}" -f lavfi -i "sine=frequency=$2:sample_rate=48000:duration=$3" -c:a aac -b:a 48k \
		-ac 1 -f adts "file:$d/$1"; }
	_v 101_20240301101500120.mp4 red 6 & _a 101_20240301101500120.aac 440 6 &
	_v 102_20240301101501120.mp4 green 5 & _a 102_20240301101501120.aac 660 5 &
	wait
	_v 103_20240301101500120.mp4 blue 2 & _a 103_20240301101500120.aac 880 2 &
	_a 103_20240301101504120.aac 880 2 &
	wait
	printf '0.000 101_20240301101500120.aac create \n0.000 101_20240301101500120.mp4 create \n0.000 101_20240301101500120.mp4 info width=320 height=180 rotation=0\n6.000 101_20240301101500120.mp4 close \n6.000 101_20240301101500120.aac close \n' >"$d/uid_101_20240301101500120.txt"
	printf '0.000 102_20240301101501120.aac create \n0.000 102_20240301101501120.mp4 create \n0.000 102_20240301101501120.mp4 info width=320 height=180 rotation=0\n5.000 102_20240301101501120.mp4 close \n5.000 102_20240301101501120.aac close \n' >"$d/uid_102_20240301101501120.txt"
	printf '0.000 103_20240301101500120.aac create \n0.000 103_20240301101500120.mp4 create \n0.000 103_20240301101500120.mp4 info width=320 height=180 rotation=0\n2.000 103_20240301101500120.mp4 close \n2.000 103_20240301101500120.aac close \n' >"$d/uid_103_20240301101500120.txt"
	printf '4.000 103_20240301101504120.aac create \n6.000 103_20240301101504120.aac close \n' >"$d/uid_103_20240301101504120.txt"
	printf '<version>2.0</version>\n<tag></tag>\n<channel name>mixtest</channel name>\n' >"$d/metadata.txt"
	: >"$d/recording2-done.txt"
}

# rgb_at FILE T X Y: "R G B" of the pixel (2x2 mean) at X,Y of the frame at T s.
rgb_at() {
	ffmpeg -nostdin -v error -ss "$2" -i "$1" -frames:v 1 -vf "crop=2:2:$3:$4,scale=1:1" \
		-f rawvideo -pix_fmt rgb24 - 2>/dev/null | od -An -tu1 | awk '{print $1, $2, $3}'
}

# is_colour "R G B" NAME: the colour is close to NAME (red green blue cyan black white).
is_colour() {
	local want
	case $2 in
	red) want="255 0 0" ;; green) want="0 255 0" ;; blue) want="0 0 255" ;;
	bg) want="35 185 220" ;; black) want="0 0 0" ;; white) want="255 255 255" ;;
	yellow) want="255 255 0" ;; *) want=$2 ;;
	esac
	awk -v a="$1" -v b="$want" 'BEGIN { n = split(a, x, " "); split(b, y, " "); if (n != 3) exit 1;
		for (i = 1; i <= 3; i++) { d = x[i] - y[i]; if (d < 0) d = -d; if (d > 48) exit 1 } }'
}

# expect_colour NAME FILE T X Y COLOUR
expect_colour() {
	local c
	c=$(rgb_at "$2" "$3" "$4" "$5")
	is_colour "$c" "$6" && t_pass "$1" || t_fail "$1" "pixel ($4,$5) at $3 s is '$c', want $6"
}

# tone_db FILE START DUR FREQ: mean volume (dB) of a narrow band around FREQ.
tone_db() {
	ffmpeg -nostdin -v info -ss "$2" -t "$3" -i "$1" -vn \
		-af "bandpass=f=$4:width_type=h:w=40,bandpass=f=$4:width_type=h:w=40,volumedetect" -f null - 2>&1 |
		sed -n 's/.*mean_volume: \(-\{0,1\}[0-9.inf]*\) dB.*/\1/p' | head -n 1
}
# expect_tone_at NAME FILE START DUR FREQ yes|no
expect_tone_at() {
	local db
	db=$(tone_db "$2" "$3" "$4" "$5")
	if [ "$6" = yes ]; then
		fgt "$db" -40 && t_pass "$1" || t_fail "$1" "$5 Hz at $3+$4 s: $db dB, want > -40"
	else
		flt "$db" -55 && t_pass "$1" || t_fail "$1" "$5 Hz at $3+$4 s: $db dB, want < -55"
	fi
}

# aac_problems FILE DUR: what is wrong with an ADTS AAC file of DUR s (+-0.1).
aac_problems() {
	local c n d
	c=$(probe_stream_field "$1" a codec_name)
	[ "$c" = aac ] || { echo "codec '$c' is not aac"; return; }
	n=$(ffprobe -v error -count_packets -select_streams a:0 -show_entries stream=nb_read_packets \
		-of default=nw=1:nk=1 -- "$1" 2>/dev/null | head -n 1)
	d=$(awk -v n="$n" 'BEGIN { printf "%.3f", n * 1024 / 48000 }')
	fnear "$d" "$2" 0.1 || echo "duration $d is not $2"
}

# send_colour PORT SECONDS CNAME VSSRC ASSRC COLOUR FREQ: an RTP participant
# (H.264 320x180 15 fps of one colour + Opus tone), BYE at the end.  With
# SEND_PROGRESS=FILE, ffmpeg reports to FILE what it has sent (sent_secs).
send_colour() {
	local prog=()
	[ -n "${SEND_PROGRESS:-}" ] && prog=(-progress "$SEND_PROGRESS" -stats_period 0.1)
	timeout $(($2 + 20)) ffmpeg -hide_banner -nostdin -loglevel error "${prog[@]}" \
		-re -f lavfi -i "color=c=$6:s=320x180:r=15:d=$2" \
		-re -f lavfi -i "sine=frequency=$7:sample_rate=48000:duration=$2" \
		-map 0:v -c:v libx264 -profile:v baseline -preset veryfast -tune zerolatency -g 30 \
		-keyint_min 30 -sc_threshold 0 -pix_fmt yuv420p -threads 1 -payload_type 96 \
		-f rtp -ssrc "$4" -cname "$3" -rtpflags send_bye "rtp://127.0.0.1:$1" \
		-map 1:a -c:a libopus -ar 48000 -ac 2 -b:a 64k \
		-f rtp -payload_type 111 -ssrc "$5" -cname "$3" -rtpflags send_bye "rtp://127.0.0.1:$1" >/dev/null
}

# rgb_frames FILE X Y T...: "R G B" of the pixel (2x2 mean) at X,Y of the
# frame shown at each time T (s, in order), one line each, from one
# decoding pass (ffmpeg select by frame number, the file's frame rate).
rgb_frames() {
	local f=$1 x=$2 y=$3 fps sel="" t n
	shift 3
	fps=$(ffprobe -v error -select_streams v:0 -show_entries stream=r_frame_rate -of csv=p=0 -- "$f")
	for t; do
		n=$(awk -v t="$t" -v r="$fps" 'BEGIN { split(r, q, "/"); printf "%d", t * q[1] / (q[2] ? q[2] : 1) + 0.5 }')
		sel="$sel${sel:+\\,}$n"
	done
	# a frame selected twice is output once: times are distinct frames
	ffmpeg -nostdin -v error -i "file:$f" -vf "select='eq(n\\,${sel//\\,/)+eq(n\\,})',crop=2:2:$x:$y,scale=1:1" \
		-fps_mode passthrough -f rawvideo -pix_fmt rgb24 - 2>/dev/null | od -An -v -tu1 -w3 | awk '{print $1, $2, $3}'
}
