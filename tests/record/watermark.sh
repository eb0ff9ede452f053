#!/usr/bin/env bash
# Watermarks of agrec-record's composite (--isMixingEnabled 1): the
# --watermark* options are checked at the start with agrec-mix's rules
# and messages (exit 64, nothing recorded), and passed on to agrec-mix,
# so that the composite's text and image regions differ from a run of
# the same red sender without watermarks.  Pixels are taken 1 s after
# the first frame: a live composite under heavy load has been seen to
# turn to background later in the stream.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/probe.sh"
. "$(dirname "$0")/../lib/rec.sh"
. "$(dirname "$0")/../mix/lib.sh"
need ffmpeg ffprobe od
MIX=$AGREC_BUILD/agrec-mix
[ -x "$MIX" ] || { t_fail "agrec-mix is built" "no $MIX"; exit 1; }
FONT=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
[ -r "$FONT" ] || { t_fail "prerequisite" "$FONT missing (fonts-dejavu-core: run scripts/deps)"; exit 1; }

# --- bad values: exit 64 at the start, agrec-mix's message ---
# same_refusal NAME ARGS...: agrec-record and agrec-mix both exit 64 and
# say the same first line (after the program name).
same_refusal() {
	local name=$1 rr rm; shift
	"$RECORD" --channel wm --recordFileRootDir "$T/bad" --isMixingEnabled 1 "$@" \
		>"$T/r.out" 2>"$T/r.err"; rr=$?
	"$MIX" -q -f "$T/nofolder" "$@" >/dev/null 2>"$T/m.err"; rm=$?
	local lr lm
	lr=$(head -n 1 "$T/r.err" | sed 's/^agrec-record: //') lm=$(head -n 1 "$T/m.err" | sed 's/^agrec-mix: //')
	[ "$rr" = 64 ] && [ "$rm" = 64 ] && [ -n "$lr" ] && [ "$lr" = "$lm" ] && [ ! -s "$T/r.out" ] \
		&& t_pass "$name: exit 64 as agrec-mix ($lr)" \
		|| t_fail "$name" "agrec-record $rr '$lr' (stdout '$(cat "$T/r.out")'), agrec-mix $rm '$lm'"
}
same_refusal "--watermarkTextRect 1,2,3" --watermarkTextRect 1,2,3
same_refusal "--watermarkAlpha 1.5" --watermarkAlpha 1.5
same_refusal "--watermarkColor red" --watermarkColor red
same_refusal "--watermarkFontSize 3" --watermarkFontSize 3
same_refusal "--watermarkTimestamp 2" --watermarkTimestamp 2
# refused_at_start NAME WANT ARGS...: agrec-record exits 64 saying WANT, recording nothing.
refused_at_start() {
	local name=$1 want=$2 rc; shift 2
	"$RECORD" --channel wm --recordFileRootDir "$T/bad" --isMixingEnabled 1 "$@" \
		>"$T/r.out" 2>"$T/r.err"; rc=$?
	[ "$rc" = 64 ] && grep -qF -- "$want" "$T/r.err" && [ ! -e "$T/bad" ] \
		&& t_pass "$name: exit 64 at the start" \
		|| t_fail "$name" "exit $rc: $(head -n 1 "$T/r.err"); $(ls "$T/bad" 2>&1)"
}
refused_at_start "--watermarkText not UTF-8" "--watermarkText: not UTF-8 (byte 1)" \
	--watermarkText "$(printf 'a\377')"
refused_at_start "--watermarkTimeFormat ''" "--watermarkTimestamp: the time format is empty" \
	--watermarkTimestamp 1 --watermarkTimeFormat ''
refused_at_start "--watermarkTextRect outside --mixResolution" \
	"--watermarkText: x,y 640,0 is outside the 640x360 canvas" \
	--mixResolution 640,360,15,500 --watermarkText x --watermarkTextRect 640,0,10,10
refused_at_start "--watermarkFont unreadable" "--watermarkFont: cannot read '$T/no.ttf'" \
	--watermarkText x --watermarkFont "$T/no.ttf"
refused_at_start "--watermarkImage unreadable" "--watermarkImage: cannot read '$T/no.png'" \
	--watermarkImage "$T/no.png"

# --- the composite, with and without watermarks ---
# a 64x32 opaque blue logo
ffmpeg -nostdin -v error -y -f lavfi -i "color=c=blue:s=64x32" -frames:v 1 "file:$T/logo.png"
[ -s "$T/logo.png" ] || { t_fail "make the logo" "no $T/logo.png"; exit 1; }
# record NAME ARGS...: a 3 s red sender into a 640x360 composite; sets MP4.
record() {
	local name=$1 port a; shift
	port=$(free_port)
	MP4=
	rec_start "$name" --channel "wm$name" --recordFileRootDir "$T/$name" --listen "127.0.0.1:$port" \
		--idle 3 --isMixingEnabled 1 --mixResolution 640,360,15,500 --mixedVideoAudio 1 "$@" \
		|| { t_fail "$name: the recorder starts" "$(cat "$T/$name.err")"; return; }
	send_color "$port" 3 1501 0x1501 0x1502 red 440 & a=$!
	PIDS+=("$a"); wait "$a"
	rec_wait 40
	[ "$REC_RC" = 0 ] || t_fail "$name: the recorder exits 0" "$REC_RC: $(tail -n 3 "$T/$name.err")"
	MP4=$(ls "$REC_DIR"/0_*.mp4 2>/dev/null | head -n 1)
	if [ -z "$MP4" ]; then
		t_fail "$name: a composite" "$(ls "$REC_DIR"); $(tail -n 5 "$REC_DIR/recording.log")"
		return
	fi
	# the canvas lasts until the recorder leaves (--idle 3 after the sender)
	local wh vd
	wh=$(probe_stream_field "$MP4" v width)x$(probe_stream_field "$MP4" v height) vd=$(probe_dur "$MP4" v)
	[ "$wh" = 640x360 ] && fgt "$vd" 2.5 && t_pass "$name: a 640x360 composite of $vd s" \
		|| t_fail "$name: the composite" "$wh, $vd s"
}
record plain
P=$MP4
record wm --watermarkText AGREC --watermarkTextRect 20,20,300,60 --watermarkFontSize 48 \
	--watermarkColor '#ffffff' --watermarkFont "$FONT" \
	--watermarkImage "$T/logo.png" --watermarkImageRect 400,40,0,0
W=$MP4
if [ -n "$P" ] && [ -n "$W" ]; then
	# the text: white over red raises the box's mean luma
	yp=$(yavg_at "$P" 1 280:50:20:20) yw=$(yavg_at "$W" 1 280:50:20:20)
	fgt "$yw" "$(awk -v y="$yp" 'BEGIN { print y + 15 }')" \
		&& t_pass "text region differs from the run without watermarks (YAVG $yp -> $yw)" \
		|| t_fail "text region" "YAVG plain '$yp', watermarked '$yw'"
	expect_colour "without watermarks: the sender's red where the image goes" "$P" 1 430 54 red
	expect_colour "image region: the logo's blue" "$W" 1 430 54 blue
	expect_colour "outside the watermarks: the sender's red" "$W" 1 560 250 red
fi
