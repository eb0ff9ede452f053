#!/usr/bin/env bash
# Watermarks on agrec-mix's composite (issue 15 part 5): text, image and
# timestamp watermarks from the layout JSON and from the --watermark*
# options, offline from a folder and live from a channel stream, against a
# plain composite of the same input; bad fonts, images and JSON.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/probe.sh"
. "$(dirname "$0")/lib.sh"
need ffmpeg ffprobe od
[ -x "$MIX" ] || { t_fail "agrec-mix is built" "no $MIX"; exit 1; }
FONT=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
[ -r "$FONT" ] || { t_fail "prerequisite" "$FONT missing (fonts-dejavu-core: run scripts/deps)"; exit 1; }
RES=(--mixResolution 640,360,15,800)

# gray_crop FILE FRAME CROP OUT: the luma of CROP (w:h:x:y) of frame FRAME, raw.
gray_crop() {
	ffmpeg -nostdin -v error -y -i "$1" -an -vf "select=eq(n\,$2),crop=$3,format=gray" \
		-frames:v 1 -f rawvideo "file:$4"
}
# mad A B: mean absolute difference of two raw files of the same size ("" if not).
mad() {
	[ -s "$1" ] && [ "$(stat -c %s "$1")" = "$(stat -c %s "$2" 2>/dev/null)" ] || return 0
	paste <(od -An -v -tu1 -w1 "$1") <(od -An -v -tu1 -w1 "$2") |
		awk '{ d = $1 - $2; s += d < 0 ? -d : d; n++ } END { printf "%.2f\n", s / n }'
}
# expect_rgb NAME FILE T X Y "R G B" TOL: the pixel is within TOL of R G B on each channel.
expect_rgb() {
	local c
	c=$(rgb_at "$2" "$3" "$4" "$5")
	awk -v a="$c" -v b="$6" -v t="$7" 'BEGIN { n = split(a, x, " "); split(b, y, " ");
		if (n != 3) exit 1; for (i = 1; i <= 3; i++) { d = x[i] - y[i]; if (d < 0) d = -d;
		if (d > t) exit 1 } }' && t_pass "$1 ($c)" || t_fail "$1" "pixel ($4,$5) at $3 s is '$c', want $6 +- $7"
}

F=$T/f
mkfolder "$F"
# a 64x32 blue logo: the left half opaque, the right half alpha 128
ffmpeg -nostdin -v error -y -f lavfi -i "color=c=blue:s=64x32,format=rgba" \
	-vf "geq=r=0:g=0:b=255:a='if(lt(X,32),255,128)'" -frames:v 1 "file:$T/logo.png"
[ -s "$T/logo.png" ] || { t_fail "make the logo" "no $T/logo.png"; exit 1; }
# uid 101 (red) fills the canvas
cat >"$T/plain.json" <<'EOF'
{ "regions": [ { "uid": 101, "x": 0, "y": 0, "width": 1, "height": 1 } ] }
EOF
# logo.png relative to the layout's folder
cat >"$T/wm.json" <<'EOF'
{
  "regions": [ { "uid": 101, "x": 0, "y": 0, "width": 1, "height": 1 } ],
  "watermarks": [
    { "type": "text", "text": "AGREC", "fontSize": 48, "color": "#ffffff",
      "x": 20, "y": 20, "width": 300, "height": 60 },
    { "type": "image", "image": "logo.png", "x": 400, "y": 40 },
    { "type": "timestamp", "format": "%S", "fontSize": 48, "x": 20, "y": 260,
      "width": 100, "height": 60 }
  ]
}
EOF

# --- offline: plain, and watermarked by the layout and the options ---
"$MIX" -q -f "$F" -o "$T/plain" "${RES[@]}" --layout "$T/plain.json" >/dev/null 2>"$T/e1"; rc1=$?
"$MIX" -q -f "$F" -o "$T/wm" "${RES[@]}" --layout "$T/wm.json" \
	--watermarkImage "$T/logo.png" --watermarkImageRect 400,200,64,32 --watermarkAlpha 0.5 \
	--watermarkTimestamp 1 --watermarkTimestampRect 300,300,0,0 >/dev/null 2>"$T/e2"; rc2=$?
P=$(ls "$T"/plain/0_*.mp4 2>/dev/null) W=$(ls "$T"/wm/0_*.mp4 2>/dev/null)
[ "$rc1" = 0 ] && [ -n "$P" ] || t_fail "plain composite" "exit $rc1: $(cat "$T/e1")"
[ "$rc2" = 0 ] && [ -n "$W" ] && t_pass "watermarked composite: exit 0" || t_fail "watermarked composite" "exit $rc2: $(cat "$T/e2")"
expect_media "watermarked composite: 6 s 640x360 15 fps" "$W" v 6 640 360 15
# the text: white over red raises the box's mean luma
yp=$(yavg_at "$P" 2 280:50:20:20) yw=$(yavg_at "$W" 2 280:50:20:20)
fgt "$yw" "$(awk -v y="$yp" 'BEGIN { print y + 15 }')" && t_pass "text region differs from the video under it (YAVG $yp -> $yw)" \
	|| t_fail "text region" "YAVG plain '$yp', watermarked '$yw'"
expect_colour "the plain composite is red there" "$P" 2 416 56 red
expect_rgb "image, opaque half: blue" "$W" 2 414 54 "0 0 255" 24
expect_rgb "image, alpha-128 half: half blue over red" "$W" 2 446 54 "128 0 127" 24
expect_rgb "image with --watermarkAlpha 0.5: half blue over red" "$W" 2 414 214 "128 0 127" 24
expect_rgb "image with alpha 128 x 0.5: a quarter blue" "$W" 2 446 214 "191 0 64" 24
expect_colour "outside the watermarks: the user's red" "$W" 2 600 100 red
# "%S" of wall time: base 10:15:00.120, so frame 12 (0.800 s) still shows
# 00 and frame 14 (0.933 s) shows 01
gray_crop "$W" 0 60:50:20:265 "$T/s0"; gray_crop "$W" 12 60:50:20:265 "$T/s12"
gray_crop "$W" 14 60:50:20:265 "$T/s14"; gray_crop "$P" 14 60:50:20:265 "$T/p14"
m0=$(mad "$T/s0" "$T/s12") m1=$(mad "$T/s12" "$T/s14") mp=$(mad "$T/s14" "$T/p14")
flt "$m0" 3 && t_pass "timestamp %S: the same text at 0 and 0.8 s (diff $m0)" || t_fail "timestamp steady" "diff '$m0'"
fgt "$m1" 8 && t_pass "timestamp %S: changes at 0.88 s of composite = 10:15:01 wall (diff $m1)" \
	|| t_fail "timestamp changes at the wall second" "diff '$m1'"
fgt "$mp" 8 && t_pass "timestamp region differs from the plain composite (diff $mp)" || t_fail "timestamp vs plain" "diff '$mp'"
# the default format (seconds and milliseconds at x 530..600 in 24 px
# DejaVu Sans): frames 15 and 31, about a second apart, differ
TS_CROP=70:26:530:302
gray_crop "$W" 15 $TS_CROP "$T/t15"; gray_crop "$W" 31 $TS_CROP "$T/t31"
gray_crop "$P" 15 $TS_CROP "$T/q15"; gray_crop "$P" 31 $TS_CROP "$T/q31"
m=$(mad "$T/t15" "$T/t31") mq=$(mad "$T/q15" "$T/q31")
fgt "$m" 5 && flt "$mq" 2 && t_pass "--watermarkTimestamp: the region changes from 1 s to 2.07 s (diff $m; plain $mq)" \
	|| t_fail "--watermarkTimestamp changes" "diff '$m', plain '$mq'"

# --- live, from a channel stream on stdin ---
S=$T/s.bin
if "$(dirname "$0")/mkstream" "$S" 2>"$T/e"; then
	"$MIX" -q -i - -o "$T/live" "${RES[@]}" --watermarkText "LIVE LIVE" \
		--watermarkTextRect 20,20,200,60 --watermarkTimestamp 1 --watermarkTimestampRect 300,300,0,0 \
		<"$S" >/dev/null 2>"$T/e3"; rc=$?
	L=$(ls "$T"/live/0_*.mp4 2>/dev/null)
	[ "$rc" = 0 ] && [ -n "$L" ] && t_pass "live watermarked composite: exit 0" || t_fail "live composite" "exit $rc: $(cat "$T/e3")"
	yt=$(yavg_at "$L" 2 100:24:20:22) yo=$(yavg_at "$L" 2 100:24:20:100)
	fgt "$yt" "$(awk -v y="$yo" 'BEGIN { print y + 15 }')" && t_pass "live: text region differs from the video beside it ($yo -> $yt)" \
		|| t_fail "live text" "YAVG text '$yt', beside '$yo'"
	gray_crop "$L" 15 $TS_CROP "$T/l15"; gray_crop "$L" 31 $TS_CROP "$T/l31"
	m=$(mad "$T/l15" "$T/l31")
	fgt "$m" 5 && t_pass "live: the timestamp changes from 1 s to 2.07 s (diff $m)" || t_fail "live timestamp" "diff '$m'"
else
	t_fail "mkstream" "$(cat "$T/e")"
fi

# --- bad input: a clear message and the documented status ---
run() { "$MIX" -q -f "$F" -o "$T/bad" "${RES[@]}" "$@" >/dev/null 2>"$T/e"; RC=$?; }
exp() {	# exp NAME STATUS PATTERN
	[ "$RC" = "$2" ] && grep -q -- "$3" "$T/e" && t_pass "$1" || t_fail "$1" "exit $RC: $(cat "$T/e")"
}
run --watermarkText hi --watermarkFont "$T/no-such.ttf"
exp "missing font: 66, named" 66 "font $T/no-such.ttf: No such file"
run --watermarkText hi --watermarkFont "$T/plain.json"
exp "not a font: 65" 65 "not a font FreeType can read"
run --watermarkImage "$T/plain.json"
exp "not an image: 65" 65 "watermarkImage: cannot decode"
run --watermarkImage "$T/no-such.png"
exp "missing image: 66" 66 "image $T/no-such.png"
run --watermarkAlpha 1.5
exp "--watermarkAlpha 1.5: 64" 64 "not a number in 0..1"
run --watermarkTextRect 1,2,3
exp "--watermarkTextRect 1,2,3: 64" 64 "X,Y,W,H"
run --watermarkText hi --watermarkTextRect 700,0,0,0
exp "--watermarkTextRect outside the canvas: 64" 64 "outside the 640x360 canvas"
printf '{ "regions": [ { "x": 0, "y": 0, "width": 1, "height": 1 } ],\n  "watermarks": [ { "type": "txt" } ] }\n' >"$T/b1.json"
run --layout "$T/b1.json"
exp "layout: unknown watermark type: 65 with line and field" 65 'b1.json:2: watermarks\[0\].type: "txt" is not'
printf '{ "regions": [ { "x": 0, "y": 0, "width": 1, "height": 1 } ],\n  "watermarks": [ { "type": "text", "text": "a", "x": 0.5 } ] }\n' >"$T/b2.json"
run --layout "$T/b2.json"
exp "layout: a watermark's x in fractions: 65" 65 'watermarks\[0\].x: expected an integer'
printf '{ "regions": [ { "x": 0, "y": 0, "width": 1, "height": 1 } ],\n  "watermarks": [ { "type": "image", "image": "none.png" } ] }\n' >"$T/b3.json"
run --layout "$T/b3.json"
exp "layout: missing image: 66" 66 "image $T/none.png"
