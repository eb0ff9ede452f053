#!/usr/bin/env bash
# Lip sync to the sample (issue 11, item 12): a sender whose picture
# flashes white for one frame while its audio beeps, every second (H.264
# + mono Opus with RTCP), recorded and converted with -m 1; every flash
# and beep of the output are paired (tests/tools/flashbeep.py) and the
# median offset must be within 5 ms.  The same measurement of the
# sender's lavfi encoded to a local MP4 calibrates it (ffmpeg compensates
# its own encoder delays there with an edit list).  Then the converter
# alone: an ADTS clip's 1024 priming samples are left out, to the
# sample, whether agrec or the SDK wrote it.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/probe.sh"
. "$(dirname "$0")/../lib/rec.sh"
need ffmpeg ffprobe python3
FB=$AGREC_TOP/tests/tools/flashbeep.py
SECS=10
# One white frame at every whole second; a 30 ms 1 kHz beep at the same instants.
VSRC="color=c=black:s=320x240:r=15:d=$SECS,drawbox=c=white:t=fill:enable='lt(mod(t\,1)\,0.06)'"
ASRC="aevalsrc=if(lt(mod(t\,1)\,0.03)\,0.5*sin(2*PI*1000*t)\,0):s=48000:c=mono:d=$SECS"

# jget JSON KEY: a number from flashbeep's output.
jget() { jq -r ".$2 // empty" <<<"$1"; }
# summary JSON: "median M ms (min .. max, N pairs)".
summary() { jq -r '"median \(.median_ms) ms (\(.min_ms) .. \(.max_ms), \(.n) pairs)"' <<<"$1"; }

# 1. The measurement itself, on the sender's media encoded locally.
ffmpeg -nostdin -v error -f lavfi -i "$VSRC" -f lavfi -i "$ASRC" -c:v libx264 -preset veryfast \
	-pix_fmt yuv420p -threads 1 -c:a aac -ac 1 "$T/ref.mp4" || { t_fail "reference encode" "ffmpeg failed"; exit 1; }
ref=$(python3 "$FB" "$T/ref.mp4")
if [ "$(jget "$ref" n)" -ge 8 ] 2>/dev/null && fnear "$(jget "$ref" median_ms)" 0 1; then
	t_pass "measurement calibrated on a local encode: $(summary "$ref")"
else
	t_fail "measurement calibrated on a local encode" "$ref"
fi

# 2. Record the real sender and convert with -m 1.
port=$(free_port)
mkdir -p "$T/root"
rec_start rec --channel lipsync --recordFileRootDir "$T/root" --listen "127.0.0.1:$port" --idle 60 \
	|| { t_fail "recorder starts" "$(cat "$T/rec.err")"; exit 1; }
t0=$(date +%s%6N)
timeout $((SECS + 20)) ffmpeg -hide_banner -nostdin -loglevel error \
	-re -f lavfi -i "$VSRC" -re -f lavfi -i "$ASRC" \
	-map 0:v -c:v libx264 -profile:v baseline -preset veryfast -tune zerolatency -g 15 -keyint_min 15 \
	-sc_threshold 0 -pix_fmt yuv420p -threads 1 \
	-start_time_realtime "$t0" -f rtp -payload_type 96 -ssrc 0x11111111 -cname 1001 -rtpflags send_bye "rtp://127.0.0.1:$port" \
	-map 1:a -c:a libopus -ar 48000 -ac 1 -b:a 64k \
	-start_time_realtime "$t0" -f rtp -payload_type 111 -ssrc 0x22222222 -cname 1001 -rtpflags send_bye "rtp://127.0.0.1:$port" \
	>/dev/null 2>"$T/send.err" || t_fail "sender" "$(tail -n 3 "$T/send.err")"
# The BYEs close both files: wait for the two close lines (bounded).
for i in $(seq 1 100); do
	[ "$(cat "$REC_DIR"/uid_1001_*.txt 2>/dev/null | grep -c ' close $')" -ge 2 ] && break
	sleep 0.1
done
rec_stop
[ "$REC_RC" = 0 ] || t_fail "recorder exits 0" "status $REC_RC: $(tail -n 3 "$T/rec.err")"
"$CONVERT" -q -m 1 -f "$REC_DIR" || { t_fail "convert -m 1" "status $?"; exit 1; }
out=$REC_DIR/1001_0_merge_av.mp4
expect_media "output probed" "$out" av "$(probe_dur "$out")" 320 240
got=$(python3 "$FB" "$out")
echo "# recorded: $got" >&2
if [ "$(jget "$got" n)" -ge 8 ] 2>/dev/null; then
	t_pass "flash/beep pairs found: $(jget "$got" n)"
else
	t_fail "flash/beep pairs found" "$got"
fi
fnear "$(jget "$got" median_ms)" 0 5 && t_pass "lip sync of the recording: $(summary "$got")" \
	|| t_fail "lip sync of the recording within 5 ms" "$(summary "$got")"
