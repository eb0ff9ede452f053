#!/usr/bin/env bash
# --backgroundColor: the canvas colour of a composite (here of an
# audio-only meeting, which is all background); a bad colour is 64.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/probe.sh"
need ffmpeg ffprobe
MIX=$AGREC_BUILD/agrec-mix
D=$T/audio; fixture audio "$D"
"$MIX" -q -f "$D" --mixResolution 320,180,15,300 --backgroundColor '#ff0000' >"$T/out" 2>"$T/err"; rc=$?
mp4=$(ls "$D"/mix/0_*.mp4 2>/dev/null | head -n 1)
if [ $rc = 0 ] && [ -n "$mp4" ]; then
	read -r y u v < <(ffmpeg -v error -ss 1 -i "file:$mp4" -frames:v 1 -vf "scale=1:1:flags=area,format=yuv444p" -f rawvideo - | od -An -tu1)
	fnear "$y" 81 6 && fnear "$u" 90 6 && fnear "$v" 240 6 && t_pass "--backgroundColor #ff0000: a red canvas ($y $u $v)" || t_fail "red canvas" "$y $u $v"
else
	t_fail "composite with --backgroundColor" "exit $rc: $(cat "$T/err")"
fi
"$MIX" -f "$D" --backgroundColor red >/dev/null 2>"$T/err"; rc=$?
[ $rc = 64 ] && grep -q 'RRGGBB' "$T/err" && t_pass "--backgroundColor red: 64" || t_fail "bad colour" "exit $rc: $(cat "$T/err")"
