#!/usr/bin/env bash
# A real Agora SDK 2.3.0 recording (its MP4 holds Annex-B samples, and
# flags no keyframe): snapshots every 5 s of its 0.404-47.294 s of video,
# each a whole 360x640 picture.  Needs ../shared.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"
need ffmpeg ffprobe jq
src=$SHARED/data/agora-2.3.0/20190208/abc_test_084414_521668222
[ -d "$src" ] || { t_skip "real recording" "no $src"; exit 0; }
cp -r "$src" "$T/r" && chmod -R u+w "$T/r"
"$CAPTURE" -f "$T/r" 2>"$T/err"; rc=$?
[ "$rc" = 0 ] && t_pass "real: exit 0" || t_fail "real: exit 0" "exit $rc: $(tail -n 3 "$T/err")"
ts=$(jq -r .t "$T/r/snapshots.jsonl" | awk '{printf "%s%g", (NR > 1 ? " " : ""), $1}')
[ "$ts" = "5 10 15 20 25 30 35 40 45" ] && t_pass "real: 9 snapshots at 5..45 s" || t_fail "real: times" "$ts"
bad=
for f in "$T/r"/0_*.jpg; do
	set -- $(jpeg_stats "$f")
	lo=$(ffmpeg -nostdin -v error -i "$f" -vf signalstats,metadata=mode=print:file=- -f null - 2>/dev/null |
		awk -F= '/YLOW/{l=$2} /YHIGH/{h=$2} END{print h - l}')
	# A picture with contrast, or the composite's light blue background
	# once the user has left: not decoder grey.
	[ "$1" = mjpeg ] && [ "$2" = 360x640 ] && { [ "${lo:-0}" -gt 20 ] || [ "$(colour_of "$3" "$4" "$5")" != grey ]; } \
		|| bad="$bad ${f##*/}:$*:$lo"
done
[ -z "$bad" ] && t_pass "real: every JPEG a 360x640 picture, not grey" || t_fail "real: JPEGs" "$bad"
[ -f "$T/r/0_20190208084423570.jpg" ] && t_pass "real: named from the txt's session base" || t_fail "real: names" "$(ls "$T/r")"
