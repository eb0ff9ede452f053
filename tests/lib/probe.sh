# tests/lib/probe.sh - media probes and converter helpers for the black-box
# tests of agrec-convert.  Source it after common.sh.  Needs ffmpeg, ffprobe
# and jq.  Nothing here passes a file name through a shell.
#
# Expected converter outputs for the tests/fixtures/mkrec scenarios (TS of the
# session base 20240301101500120 = B; durations in seconds):
#   av        mode 0: 1001_B_av.mp4 5.0, 320x180, black <0.352 and >4.352
#   rejoin    mode 0: 1002_B_av.mp4 4.0, 1002_20240301101520120_av.mp4 3.0
#             mode 1: 1002_0_merge_av.mp4 23.0 (gap 4-20 black+silent), -s 7.0
#   sessions  mode 0: 4.0 and 3.0; mode 1: 1003_0_merge_av.mp4 4.0, 1003_1_merge_av.mp4 3.0
#   ...see the test scripts for the rest.
need ffmpeg ffprobe jq

MKREC=$AGREC_TOP/tests/fixtures/mkrec
B=20240301101500120	# TS of the session base of every mkrec scenario

# --- arithmetic -------------------------------------------------------------
fnear() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a != "" && b != "" && d <= t) }'; }	# fnear A B TOL
flt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "" && b != "" && a + 0 < b + 0) }'; }	# flt A B: A < B
fgt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "" && b != "" && a + 0 > b + 0) }'; }	# fgt A B: A > B

# --- probes (ffprobe -of default=nw=1:nk=1) ----------------------------------
_sel() { case ${1:-} in v) echo v:0 ;; a) echo a:0 ;; *) echo "" ;; esac; }

probe_dur() {	# probe_dur FILE [v|a]: container duration, or the first v/a stream's
	if [ -n "${2:-}" ]; then
		ffprobe -v error -select_streams "$(_sel "$2")" -show_entries stream=duration \
			-of default=nw=1:nk=1 -- "$1" 2>/dev/null | head -n 1
	else
		ffprobe -v error -show_entries format=duration -of default=nw=1:nk=1 -- "$1" 2>/dev/null | head -n 1
	fi
}
probe_stream_field() {	# probe_stream_field FILE v|a FIELD: a field of the first v/a stream
	ffprobe -v error -select_streams "$(_sel "$2")" -show_entries "stream=$3" \
		-of default=nw=1:nk=1 -- "$1" 2>/dev/null | head -n 1
}
probe_count() {	# probe_count FILE v|a: number of video/audio streams
	ffprobe -v error -select_streams "${2}" -show_entries stream=index \
		-of default=nw=1:nk=1 -- "$1" 2>/dev/null | grep -c .
}
yavg_at() {	# yavg_at FILE T [CROP]: mean luma of the frame at T (CROP = w:h:x:y)
	local vf=signalstats,metadata=mode=print:key=lavfi.signalstats.YAVG:file=-
	[ -n "${3:-}" ] && vf="crop=$3,$vf"
	ffmpeg -nostdin -v error -ss "$2" -i "$1" -frames:v 1 -an -vf "$vf" -f null - 2>/dev/null |
		sed -n 's/^lavfi\.signalstats\.YAVG=//p' | head -n 1
}
mean_volume() {	# mean_volume FILE START DUR: mean volume in dB (-91 = digital silence)
	ffmpeg -nostdin -v info -ss "$2" -t "$3" -i "$1" -vn -af volumedetect -f null - 2>&1 |
		sed -n 's/.*mean_volume: \(-\{0,1\}[0-9.inf]*\) dB.*/\1/p' | head -n 1
}
av_start_diff() {	# av_start_diff FILE: |video start_time - audio start_time|
	local v a
	v=$(probe_stream_field "$1" v start_time); a=$(probe_stream_field "$1" a start_time)
	[ -n "$v" ] && [ -n "$a" ] || return 0	# prints nothing: every comparison fails
	awk -v a="$a" -v v="$v" 'BEGIN { d = a - v; if (d < 0) d = -d; print d }'
}

# media_problems FILE KIND DUR [W H [FPS [CH]]]: print what is wrong with FILE
# (nothing when it is right).  KIND: av = one h264 + one aac stream; v = one
# h264 stream, no audio; a = one aac stream, no video.  DUR +-0.1 s applies to
# the container and to every stream; CH is the audio channel count (1).  The
# audio codec wanted is $ACODEC (aac unless set; AAC must be LC).
media_problems() {
	local f=$1 kind=$2 dur=$3 w=${4:-} h=${5:-} fps=${6:-15} ch=${7:-1} j nv na d x
	[ -s "$f" ] || { echo "missing or empty: ${f##*/}"; return; }
	j=$(ffprobe -v error -show_entries format=duration,format_name:stream=codec_type,codec_name,profile,width,height,pix_fmt,r_frame_rate,sample_rate,channels,start_time,duration \
		-of json -- "$f" 2>&1) || { echo "ffprobe failed: $(echo "$j" | head -n 2 | tr '\n' ' ')"; return; }
	nv=$(jq '[.streams[] | select(.codec_type=="video")] | length' <<<"$j")
	na=$(jq '[.streams[] | select(.codec_type=="audio")] | length' <<<"$j")
	case $kind in
	av) [ "$nv" = 1 ] && [ "$na" = 1 ] || echo "streams: $nv video, $na audio (want 1+1)" ;;
	v) [ "$nv" = 1 ] && [ "$na" = 0 ] || echo "streams: $nv video, $na audio (want 1 video, no audio)" ;;
	a) [ "$nv" = 0 ] && [ "$na" = 1 ] || echo "streams: $nv video, $na audio (want no video, 1 audio)" ;;
	esac
	[ "$(jq '.streams | length' <<<"$j")" = "$((nv + na))" ] || echo "extra non-A/V streams"
	jq -r '.format.format_name' <<<"$j" | grep -q mp4 || echo "container $(jq -r .format.format_name <<<"$j") is not MP4"
	d=$(jq -r '.format.duration // ""' <<<"$j")
	fnear "$d" "$dur" 0.1 || echo "duration $d, want $dur"
	if [ "$nv" -ge 1 ]; then
		x=$(jq -r '[.streams[] | select(.codec_type=="video")][0] | "\(.codec_name) \(.pix_fmt) \(.width)x\(.height) \(.r_frame_rate) \(.duration // "")"' <<<"$j")
		set -- $x
		[ "$1" = h264 ] || echo "video codec $1, want h264"
		[ "$2" = yuv420p ] || echo "pix_fmt $2, want yuv420p"
		[ -z "$w" ] || [ "$3" = "${w}x${h}" ] || echo "canvas $3, want ${w}x${h}"
		[ "$4" = "$fps/1" ] || echo "r_frame_rate $4, want $fps/1"
		fnear "${5:-}" "$dur" 0.1 || echo "video duration ${5:-none}, want $dur"
	fi
	if [ "$na" -ge 1 ]; then
		x=$(jq -r '[.streams[] | select(.codec_type=="audio")][0] | "\(.codec_name) \(.profile) \(.sample_rate) \(.channels) \(.duration // "")"' <<<"$j")
		set -- $x
		[ "$1" = "${ACODEC:-aac}" ] || echo "audio codec $1, want ${ACODEC:-aac}"
		[ "$1" != aac ] || [ "$2" = LC ] || echo "audio profile $2, want LC"
		[ "$3" = 48000 ] || echo "sample rate $3, want 48000"
		[ "$4" = "$ch" ] || echo "channels $4, want $ch"
		fnear "${5:-}" "$dur" 0.1 || echo "audio duration ${5:-none}, want $dur"
	fi
	if [ "$nv" -ge 1 ] && [ "$na" -ge 1 ]; then
		x=$(jq -r '[.streams[] | select(.codec_type=="video")][0].start_time + " " + [.streams[] | select(.codec_type=="audio")][0].start_time' <<<"$j")
		set -- $x
		fnear "$1" "$2" 0.05 || echo "A/V start_time differ: video $1, audio $2"
	fi
}

# --- PASS/FAIL wrappers -------------------------------------------------------
expect_media() {	# expect_media NAME FILE KIND DUR [W H [FPS [CH]]]
	local name=$1 p; shift
	p=$(media_problems "$@")
	if [ -z "$p" ]; then t_pass "$name"; else t_fail "$name" "${1##*/}: $(echo "$p" | tr '\n' ';')"; fi
}
expect_black() {	# expect_black NAME FILE T [CROP]: the frame at T is black (YAVG < 24)
	local y; y=$(yavg_at "$2" "$3" "${4:-}")
	if flt "$y" 24; then t_pass "$1"; else t_fail "$1" "${2##*/} at $3 s${4:+ crop $4}: YAVG ${y:-none}, want black (~16)"; fi
}
expect_picture() {	# expect_picture NAME FILE T [CROP [MIN]]: the frame at T is not black
	local y; y=$(yavg_at "$2" "$3" "${4:-}")
	if fgt "$y" "${5:-50}"; then t_pass "$1"; else t_fail "$1" "${2##*/} at $3 s${4:+ crop $4}: YAVG ${y:-none}, want a picture (> ${5:-50})"; fi
}
expect_silence() {	# expect_silence NAME FILE START DUR: mean volume <= -60 dB
	local m; m=$(mean_volume "$2" "$3" "$4")
	if [ "$m" = -inf ] || flt "$m" -60; then t_pass "$1"; else t_fail "$1" "${2##*/} [$3, +$4]: mean volume ${m:-none} dB, want silence"; fi
}
expect_tone() {	# expect_tone NAME FILE START DUR: mean volume >= -35 dB (the fixtures' tone is ~-21)
	local m; m=$(mean_volume "$2" "$3" "$4")
	if fgt "$m" -35; then t_pass "$1"; else t_fail "$1" "${2##*/} [$3, +$4]: mean volume ${m:-none} dB, want the tone"; fi
}

# --- fixtures and converter runs -------------------------------------------------
fixture() {	# fixture SCENARIO DEST: a fresh copy of the scenario's folder at DEST
	local c=$T/.fixtures/$1
	if [ ! -e "$c/recording2-done.txt" ]; then
		"$MKREC" "$1" "$c" >&2 || { t_fail "fixture $1" "mkrec failed"; exit 1; }
	fi
	mkdir -p -- "$2"
	cp -a -- "$c/." "$2/"
}
fixture_src() { echo "$T/.fixtures/$1"; }	# fixture_src SCENARIO: the pristine copy

OUT=$T/.conv.out ERR=$T/.conv.err RC=0
conv() {	# conv ARGS...: run agrec-convert; stdout in $OUT, stderr in $ERR, status in $RC
	if [ ! -x "$CONVERT" ]; then RC=127; echo "agrec-convert not built: $CONVERT" >"$ERR"; : >"$OUT"; return 0; fi
	"$CONVERT" "$@" >"$OUT" 2>"$ERR" && RC=0 || RC=$?
	return 0
}
conv_why() { echo "exit $RC; stderr: $(tail -n 4 "$ERR" 2>/dev/null | tr '\n' ' ')"; }	# for FAIL messages
need_convert() {	# need_convert: stop the script (one FAIL) when the converter is not built
	[ -x "$CONVERT" ] && return
	t_fail "agrec-convert" "$CONVERT is not built (run make)"
	exit 1
}
expect_rc() {	# expect_rc NAME WANT: the last conv exited with WANT
	if [ "$RC" = "$2" ]; then t_pass "$1"; else t_fail "$1" "want exit $2; $(conv_why)"; fi
}

jqe() {	# jqe FILE FILTER [JQ-ARGS...]: FILE holds exactly one JSON document and FILTER is true for it
	local f=$1 flt=$2; shift 2
	[ -s "$f" ] && jq -e -s "$@" "length == 1 and (.[0] | ($flt))" "$f" >/dev/null 2>&1
}
new_files() {	# new_files DIR SCENARIO: names in DIR that are not in the scenario (sorted)
	comm -23 <(ls -A -- "$1" | LC_ALL=C sort) <(ls -A -- "$(fixture_src "$2")" | LC_ALL=C sort)
}
# expect_outputs NAME DIR SCENARIO FILE...: the new files in DIR are exactly
# FILE... plus convert.log, convert-done.txt and .agrec-convert.lock (no
# temporary directory left behind, nothing else)
expect_outputs() {
	local name=$1 dir=$2 scen=$3 got want; shift 3
	got=$(new_files "$dir" "$scen" | grep -vxF -e convert.log -e convert-done.txt -e .agrec-convert.lock)
	want=$(printf '%s\n' "$@" | grep . | LC_ALL=C sort)
	if [ "$got" = "$want" ]; then t_pass "$name"; else
		t_fail "$name" "got [$(echo $got)] want [$(echo $want)]; $(conv_why)"; fi
}
expect_done() {	# expect_done NAME DIR: convert-done.txt (empty) and convert.log exist
	local p=
	[ -f "$2/convert-done.txt" ] && [ ! -s "$2/convert-done.txt" ] || p="convert-done.txt missing or not empty; "
	[ -f "$2/convert.log" ] || p="${p}convert.log missing"
	if [ -z "$p" ]; then t_pass "$1"; else t_fail "$1" "$p; $(conv_why)"; fi
}
sums() {	# sums DIR: checksum list of the folder's files (not convert.log, the lock)
	( cd -- "$1" && find . -type f ! -name convert.log ! -name .agrec-convert.lock -print0 |
		LC_ALL=C sort -z | xargs -0 -r md5sum -- )
}
