#!/usr/bin/env bash
# The sender's channel count is kept (agora-format.md 4.6): RTP declares
# every Opus stream as 2 channels, so the recorder reads the packets' TOC
# byte; a mono Opus sender gives mono AAC, a stereo one stereo AAC.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/probe.sh"
. "$(dirname "$0")/../lib/rec.sh"
need ffmpeg ffprobe
port=$(free_port)
rec_start m --channel mono --recordFileRootDir "$T/r" --listen "127.0.0.1:$port" --idle 3 || exit 1
opus() {	# opus CNAME SSRC CHANNELS
	timeout 25 ffmpeg -hide_banner -nostdin -loglevel error \
		-re -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=2" \
		-map 0:a -c:a libopus -ar 48000 -ac "$3" -b:a 64k \
		-f rtp -payload_type 111 -ssrc "$2" -cname "$1" -rtpflags send_bye "rtp://127.0.0.1:$port" >/dev/null
}
opus 901 0x9010 1 & a=$!
opus 902 0x9020 2 & b=$!
PIDS+=("$a" "$b"); wait "$a" "$b"
for u in 901 902; do
	wait_for 20 rec_gone "$REC_DIR" "$u" || t_fail "the recorder sees uid $u's BYE" "$(tail -n 5 "$REC_DIR/recording.log")"
done
rec_stop
for x in "901 1" "902 2"; do
	set -- $x
	f=$(ls "$REC_DIR"/"$1"_*.aac 2>/dev/null | head -n 1)
	ch=$(probe_stream_field "$f" a channels)
	d=$(adts_dur "$f")
	[ "$ch" = "$2" ] && fnear "$d" 2 0.15 && t_pass "uid $1: $2-channel Opus gives $2-channel AAC ($d s)" \
		|| t_fail "uid $1 channels" "got '$ch' channels, $d s ($f)"
done
