#!/usr/bin/env bash
# WHIP from a second, independent client (issue 13): GStreamer's webrtcbin
# (tests/tools/whip_gst.py, python3-gi) publishes a VP8 test picture (a
# white ball on black, 640x480, 20 fps) and an Opus sine into
# agrec-record --whip --channelKey for about 8 s, then DELETEs its session.
# The folder must hold the user's txt, a .webm with the frames of the time
# it was connected, and an .aac with the tone; the DELETE is a leave.
#
# libnice (webrtcbin's ICE) offers no loopback candidates and pairs none
# with the recorder's 127.0.0.1, so the script runs itself inside a network
# namespace of its own (unshare -n, as root) with lo and a veth pair of
# private addresses; the recorder's media port is on 10.212.0.1 there, the
# WHIP endpoint on 127.0.0.1.  No packet can leave the machine.
if [ "${1:-}" != --inside ]; then
	if [ "$(id -u)" = 0 ] && unshare -n true 2>/dev/null; then
		exec unshare -n bash "$0" --inside
	fi
	echo "SKIPPED: whip-gst: cannot make a network namespace here (unshare -n needs root)"
	exit 0
fi
ip link set lo up && ip link add v0 type veth peer name v1 &&
	ip addr add 10.212.0.1/24 dev v0 && ip addr add 10.212.0.2/24 dev v1 &&
	ip link set v0 up && ip link set v1 up || { echo "FAIL: whip-gst: the namespace's network"; exit 1; }
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/probe.sh"
. "$(dirname "$0")/../lib/rec.sh"
need ffmpeg ffprobe jq ss
[ -x "$RECORD" ] || { t_fail "agrec-record" "$RECORD is not built (run make)"; exit 1; }
GI='import gi; gi.require_version("Gst", "1.0"); gi.require_version("GstWebRTC", "1.0")
from gi.repository import Gst; Gst.init(None)
assert all(Gst.ElementFactory.find(e) for e in ("webrtcbin", "vp8enc", "opusenc", "nicesrc"))'
PY=
for py in python3 /usr/bin/python3; do
	command -v "$py" >/dev/null && "$py" -c "$GI" 2>/dev/null && { PY=$py; break; }
done
if [ -z "$PY" ]; then
	t_skip "whip-gst" "no python3 with GStreamer's webrtcbin (python3-gi, gir1.2-gst-plugins-bad-1.0, gstreamer1.0-nice, gstreamer1.0-plugins-good)"
	exit 0
fi
KEY=g$RANDOM$RANDOM
p=$(free_port)
hp=
for i in $(seq 1 50); do
	hp=$(( RANDOM % 15000 + 35000 ))
	ss -Hltn "sport = :$hp" 2>/dev/null | grep -q . || break
done
mkdir -p "$T/rec"
rec_start gst --channel whipgst --recordFileRootDir "$T/rec" --listen "10.212.0.1:$p" \
	--whip "127.0.0.1:$hp" --channelKey "$KEY" --idle 60 --logLevel 6 ||
	{ t_fail "whip-gst: the recorder starts with --whip" "$(tail -n 3 "$T/gst.err")"; exit 1; }
D=$REC_DIR
timeout 90 "$PY" "$AGREC_TOP/tests/tools/whip_gst.py" "http://127.0.0.1:$hp/whip/whipgst?uid=3001" 8 \
	--token "$KEY" --out "$T/gst.json" 2>"$T/gst.log"
rc=$?
[ $rc = 0 ] && t_pass "whip-gst: webrtcbin published 8 s and its DELETE was answered 200" ||
	t_fail "whip-gst: the webrtcbin client" "status $rc: $(tail -n 4 "$T/gst.log" | tr '\n' ' ')"
wait_for 20 rec_gone "$D" 3001 && t_pass "whip-gst: the DELETE is a leave" ||
	t_fail "whip-gst: uid 3001 leaves" "$(grep -E 'uid 3001|WHIP' "$D/recording.log" | tail -n 4 | tr '\n' ' ')"
rec_stop
[ "$REC_RC" = 0 ] && t_pass "whip-gst: the recorder exits 0" || t_fail "whip-gst: the recorder's exit status" "$REC_RC"
[ -s "$T/gst.json" ] || exit 1

want=$(jq -r 'if .connected_ms and .stop_ms then (.stop_ms - .connected_ms) / 1000 else "" end' "$T/gst.json")
txt=$(txt_of "$D" 3001) a=$(ls "$D"/3001_*.aac 2>/dev/null) v=$(ls "$D"/3001_*.webm 2>/dev/null)
[ "$(echo "$txt" | grep -c .) $(echo "$a" | grep -c .) $(echo "$v" | grep -c .)" = "1 1 1" ] &&
	t_pass "whip-gst: one txt, one .aac, one .webm" ||
	t_fail "whip-gst: the folder" "$(ls "$D" | tr '\n' ' ')"
[ -n "$want" ] || { t_fail "whip-gst: connected" "$(jq -c '{states, errors}' "$T/gst.json")"; exit 1; }
j=$(ffprobe -v error -count_frames -select_streams v:0 \
	-show_entries stream=codec_name,width,height,nb_read_frames:format=duration -of json -- "$v" 2>/dev/null) || j='{}'
read -r vc w h nf d <<<"$(jq -r '[.streams[0].codec_name, .streams[0].width, .streams[0].height,
	.streams[0].nb_read_frames, .format.duration] | map(tostring) | join(" ")' <<<"$j")"
fps=$(awk -v n="$nf" -v d="$d" 'BEGIN { if (d > 0) printf "%.1f", n / d; else print 0 }')
[ "$vc" = vp8 ] && [ "${w}x$h" = 640x480 ] && fnear "$d" "$want" 0.5 && fgt "$fps" 15 && flt "$fps" 21.5 &&
	t_pass "whip-gst: vp8 ${w}x$h, $nf frames in $d s ($fps fps; connected $want s)" ||
	t_fail "whip-gst: the video" "$vc ${w}x$h, $nf frames in $d s ($fps fps); want vp8 640x480, $want s, 15-21.5 fps"
ymax=$(ffmpeg -nostdin -v error -ss "$(awk -v d="$want" 'BEGIN { print d / 2 }')" -i "$v" -frames:v 1 -an \
	-vf signalstats,metadata=mode=print:key=lavfi.signalstats.YMAX:file=- -f null - 2>/dev/null |
	sed -n 's/^lavfi\.signalstats\.YMAX=//p' | head -n 1)
fgt "$ymax" 180 && t_pass "whip-gst: the ball is in the picture (YMAX $ymax)" ||
	t_fail "whip-gst: the picture" "YMAX ${ymax:-none} in the middle, want the white ball (> 180)"
ad=$(adts_dur "$a")
fnear "$ad" "$want" 0.5 && t_pass "whip-gst: AAC $ad s (connected $want s)" ||
	t_fail "whip-gst: the AAC's duration" "${ad:-none} s, want $want s"
expect_tone "whip-gst: the sine is in the AAC" "$a" 1 "$(awk -v d="$want" 'BEGIN { print d - 2 }')"
