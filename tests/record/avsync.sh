#!/usr/bin/env bash
# Lip sync: a sender flashes the picture white and beeps at the same
# moment (t = 3 s of its media); after recording and converting, the flash
# and the beep must line up within 80 ms (about a frame at 15 fps plus an
# AAC frame).  The recorder aligns audio and video with the RTCP sender
# reports, as real receivers do.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/probe.sh"
. "$(dirname "$0")/../lib/rec.sh"
need ffmpeg ffprobe
port=$(free_port)
mkdir -p "$T/root"
rec_start rec --channel sync --recordFileRootDir "$T/root" --listen "127.0.0.1:$port" || exit 1
timeout 30 ffmpeg -hide_banner -nostdin -loglevel error \
	-re -f lavfi -i "color=c=black:s=320x180:r=15:d=6,drawbox=c=white:t=fill:enable='between(t,3,3.5)'" \
	-re -f lavfi -i "aevalsrc=if(between(t\,3\,3.5)\,0.5*sin(2*PI*1000*t)\,0):s=48000:d=6" \
	-map 0:v -c:v libx264 -profile:v baseline -preset veryfast -tune zerolatency -g 30 -keyint_min 30 \
	-sc_threshold 0 -pix_fmt yuv420p -threads 1 \
	-f rtp -payload_type 96 -ssrc 0x11111111 -cname 1001 -rtpflags send_bye "rtp://127.0.0.1:$port" \
	-map 1:a -c:a libopus -ar 48000 -ac 2 -b:a 64k \
	-f rtp -payload_type 111 -ssrc 0x22222222 -cname 1001 -rtpflags send_bye "rtp://127.0.0.1:$port" >/dev/null
wait_for 20 rec_gone "$REC_DIR" 1001 || t_fail "the recorder sees the BYE" "$(tail -n 5 "$REC_DIR/recording.log")"
rec_stop
"$CONVERT" -q -m 1 -f "$REC_DIR" || { t_fail "convert" "status $?"; exit 1; }
out=$REC_DIR/1001_0_merge_av.mp4
flash=$(ffmpeg -v error -i "$out" -vf "signalstats,metadata=print:key=lavfi.signalstats.YAVG:file=-" -an -f null - \
	| awk '/pts_time/ { split($0, a, "pts_time:"); t = a[2] + 0 } /YAVG/ { split($0, b, "="); if (b[2] + 0 > 100) { print t; exit } }')
beep=$(ffmpeg -v info -i "$out" -vn -af silencedetect=noise=-30dB:d=0.1 -f null - 2>&1 \
	| awk '/silence_end/ { for (i = 1; i <= NF; i++) if ($i == "silence_end:") { print $(i + 1); exit } }')
[ -n "$flash" ] && [ -n "$beep" ] && t_pass "flash at $flash s, beep at $beep s" || { t_fail "found the flash and the beep" "flash '$flash' beep '$beep'"; exit 0; }
fnear "$flash" "$beep" 0.08 && t_pass "audio and video in sync ($(awk -v a="$flash" -v b="$beep" 'BEGIN { printf "%+.0f ms", (a - b) * 1000 }'))" \
	|| t_fail "audio and video in sync" "flash $flash s, beep $beep s"
