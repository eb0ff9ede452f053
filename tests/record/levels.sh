#!/usr/bin/env bash
# agrec-record --audioIndicationInterval (issue 15): each user's audio
# level and the active speaker every interval, in speakers.jsonl and in
# the --emit stream's levels records (agrec-record(1), agrec-folder(5)).
#  1. Four real senders in one channel, 200 ms intervals:
#     1001 Opus (ffmpeg), a 440 Hz tone at -20 dBFS RMS: the loud one;
#     1002 Opus (ffmpeg), digital silence;
#     1003 PCMU (ffmpeg), a tone at -26 dBFS RMS, decoded with G.711;
#     1004 Opus (GStreamer rtpopuspay + rtphdrextclientaudiolevel): the
#          sender's RFC 6464 levels, negotiated by a=extmap in --sdp.
#     One line an interval while anyone is there, keys in order; 1001
#     active in (nearly) every line, 1002 never and at -127; every level
#     within 3 dB of ffmpeg volumedetect's mean_volume of the source (1001)
#     or of the recorded file (1003, 1004); 1004's source is rfc6464, the
#     others' decoded; the stream's levels records match the lines, on
#     the channel record's wall origin.
#     scripts/timeline marks the active speaker from speakers.jsonl.
#  2. Without the option: no speakers.jsonl, no levels record.
#  3. Values: 5 and 60001 refused (64), 100 warned about.
#  4. A recorder SIGKILLed while it writes lines leaves whole lines only.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/probe.sh"
. "$(dirname "$0")/../lib/rec.sh"
need ffmpeg ffprobe jq gst-launch-1.0 gst-inspect-1.0
SECS=5
loud="aevalsrc=0.1414214*sin(2*PI*440*t):s=48000:c=mono:d=$SECS"    # RMS 0.1: -20.0 dBFS
quiet="aevalsrc=0.0707107*sin(2*PI*1000*t):s=48000:c=mono:d=$SECS"  # RMS 0.05: -26.0 dBFS
mkdir -p "$T/root" "$T/off"

# opus_tx PORT CNAME SSRC SRC: an Opus sender of lavfi SRC, BYE at the end.
opus_tx() {
	timeout $((SECS + 20)) ffmpeg -hide_banner -nostdin -loglevel error -re -f lavfi -i "$4" \
		-c:a libopus -ar 48000 -ac 1 -b:a 64k -f rtp -payload_type 111 -ssrc "$3" -cname "$2" \
		-rtpflags send_bye "rtp://127.0.0.1:$1" >/dev/null
}
# pcmu_tx PORT CNAME SSRC SRC: G.711 mu-law, 20 ms packets.
pcmu_tx() {
	timeout $((SECS + 20)) ffmpeg -hide_banner -nostdin -loglevel error -re -f lavfi -i "$4" \
		-af aresample=8000,asetnsamples=n=160:p=0 -c:a pcm_mulaw -ar 8000 -ac 1 \
		-f rtp -payload_type 0 -ssrc "$3" -cname "$2" -rtpflags send_bye "rtp://127.0.0.1:$1" >/dev/null
}
# rfc6464_tx PORT SSRC: GStreamer's Opus with the sender's audio levels
# (the level element measures, rtphdrextclientaudiolevel writes them).
rfc6464_tx() {
	timeout $((SECS + 20)) gst-launch-1.0 -q audiotestsrc wave=sine freq=440 volume=0.0707107 \
		samplesperbuffer=960 num-buffers=$((SECS * 50)) is-live=true \
		! audio/x-raw,rate=48000,channels=1 ! level audio-level-meta=true post-messages=false \
		! opusenc ! rtpopuspay pt=112 ssrc="$2" auto-header-extension=true \
		! 'application/x-rtp,extmap-1=(string)<"","urn:ietf:params:rtp-hdrext:ssrc-audio-level","vad=on">' \
		! udpsink host=127.0.0.1 port="$1" >/dev/null
}

if ! gst-inspect-1.0 rtphdrextclientaudiolevel >/dev/null 2>&1; then
	t_fail "prerequisite" "GStreamer's rtphdrextclientaudiolevel (gstreamer1.0-plugins-good) is missing"
	exit 1
fi

# 1. Four senders.
port=$(free_port)
cat >"$T/room.sdp" <<SDP
v=0
o=- 0 0 IN IP4 127.0.0.1
s=levels
t=0 0
m=audio $port RTP/AVP 111 0
a=rtpmap:111 opus/48000/2
a=rtpmap:0 PCMU/8000
m=audio $port RTP/AVP 112
a=rtpmap:112 opus/48000/2
a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level
a=ssrc:1004 cname:1004
SDP
rec_start rec --channel levels --recordFileRootDir "$T/root" --listen "127.0.0.1:$port" --idle 60 \
	--sdp "$T/room.sdp" --audioIndicationInterval 200 --emit "$T/levels.stream" || { t_fail "recorder starts" "$(cat "$T/rec.err")"; exit 1; }
opus_tx "$port" 1001 0x1001 "$loud" & s1=$!
opus_tx "$port" 1002 0x1002 "anullsrc=r=48000:cl=mono:d=$SECS" & s2=$!
pcmu_tx "$port" 1003 0x1003 "$quiet" & s3=$!
rfc6464_tx "$port" 1004 & s4=$!
PIDS+=("$s1" "$s2" "$s3" "$s4")
wait "$s1" "$s2" "$s3" "$s4"
wait_for 10 rec_drained "$port"
rec_stop
[ "$REC_RC" = 0 ] && t_pass "recorder exits 0" || t_fail "recorder exits 0" "exit $REC_RC: $(cat "$T/rec.err")"
J=$REC_DIR/speakers.jsonl
if [ ! -s "$J" ]; then
	t_fail "speakers.jsonl written" "$(ls "$REC_DIR")"
	exit 1
fi
t_pass "speakers.jsonl written"

# Every line a JSON object with the keys in the documented order.
bad=$(jq -c 'select(keys_unsorted != ["t_ms","wall_ms","interval_ms","levels","active"] or .interval_ms != 200)' "$J" 2>&1 | head -n 2)
[ -z "$bad" ] && t_pass "lines: JSON, keys t_ms wall_ms interval_ms levels active" || t_fail "lines: keys" "$bad"

# One line an interval: consecutive t_ms 200 apart, about SECS / 0.2 of them.
n=$(wc -l <"$J")
gaps=$(jq -r .t_ms "$J" | awk 'NR > 1 && $1 - p != 200 { print p "->" $1 } { p = $1 }' | head -n 3)
[ -z "$gaps" ] && [ "$n" -ge $((SECS * 5 - 2)) ] && [ "$n" -le $((SECS * 5 + 20)) ] \
	&& t_pass "a line every 200 ms ($n lines for $SECS s)" || t_fail "a line every 200 ms" "$n lines; gaps: $gaps"

# The lines where each user has a level.
with() { jq -c --arg u "$1" 'select(.levels[$u] != null)' "$J"; }
n1=$(with 1001 | wc -l)
fgt "$n1" $((SECS * 5 - 5)) && t_pass "1001 measured in $n1 intervals" || t_fail "1001 measured" "$n1 intervals"
a1=$(with 1001 | jq -r 'select(.active == 1001)' | grep -c t_ms)
fgt "$a1" $((n1 * 9 / 10 - 1)) && t_pass "the loud user 1001 is active ($a1 of $n1 lines)" \
	|| t_fail "the loud user 1001 is active" "$a1 of $n1 lines"
a2=$(jq -r 'select(.active == 1002)' "$J" | grep -c t_ms)
l2=$(with 1002 | jq -r '.levels["1002"]' | sort -n | tail -n 1)
[ "$a2" = 0 ] && [ "$(with 1002 | wc -l)" -gt $((SECS * 5 - 5)) ] && fnear "$l2" -127 0.05 \
	&& t_pass "the silent user 1002: -127 dBov, never active" || t_fail "the silent user 1002" "active $a2 times, loudest $l2"

# median UID: the user's median level over the lines that have one.
median() { with "$1" | jq -r --arg u "$1" '.levels[$u]' | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
vd_src() { ffmpeg -hide_banner -nostdin -f lavfi -i "$1" -af volumedetect -f null - 2>&1 | awk '/mean_volume/ { print $5 }'; }
m1=$(median 1001) v1=$(vd_src "$loud")
fnear "$m1" "$v1" 3 && t_pass "1001 (Opus decoded): $m1 dBov, volumedetect $v1 dB" || t_fail "1001 level" "$m1 dBov, volumedetect $v1 dB"
f3=$(ls "$REC_DIR"/1003_*.aac 2>/dev/null | head -n 1)
m3=$(median 1003) v3=$(mean_volume "$f3" 1 $((SECS - 2)))
fnear "$m3" "$v3" 3 && fnear "$m3" -26 3 && t_pass "1003 (PCMU): $m3 dBov, volumedetect of its file $v3 dB" \
	|| t_fail "1003 level" "$m3 dBov, volumedetect of '$f3' $v3 dB"
f4=$(ls "$REC_DIR"/1004_*.aac 2>/dev/null | head -n 1)
m4=$(median 1004) v4=$(mean_volume "$f4" 1 $((SECS - 2)))
fnear "$m4" "$v4" 3 && t_pass "1004 (RFC 6464): $m4 dBov, volumedetect of its file $v4 dB" \
	|| t_fail "1004 level" "$m4 dBov, volumedetect of '$f4' $v4 dB"

# The --emit stream: one levels record a line, the same times, levels,
# sources and active speaker; wall_ms on the channel record's origin.
"$RECORD" --dump "$T/levels.stream" >"$T/dump.txt" 2>"$T/dump.err" || t_fail "--dump reads the stream" "$(cat "$T/dump.err")"
wall0=$(sed -n 's/.* channel .*wall_us=\([0-9]*\)000 .*/\1/p' "$T/dump.txt")	# ms (mawk: no 64-bit integers)
jq -r --argjson w0 "${wall0:-0}" '[.t_ms, .wall_ms - $w0, (.active // "-"),
	(.levels | to_entries | map("\(.key):\(.value)") | join(" "))] | join(" ")' "$J" >"$T/lines.txt"
# --dump prints hundredths; speakers.jsonl rounds them to tenths half away
# from zero (-20.15 -> -20.2), which printf's %.1f of a binary -20.15 does not.
awk 'function r1(v) { return (v < 0 ? -int(-v * 10 + 0.5 + 1e-6) : int(v * 10 + 0.5 + 1e-6)) / 10 }
	$2 == "levels" { t = $3; sub("t=", "", t); a = $5; sub("active=", "", a); s = ""
	for (i = 6; i <= NF; i++) { split($i, f, ":"); s = s (s == "" ? "" : " ") f[1] ":" sprintf("%.1f", r1(f[2])) }
	printf "%d %d %s %s\n", t * 1000 + 0.5, t * 1000 + 0.5, a, s }' "$T/dump.txt" >"$T/records.txt"
# jq prints -127.0 as -127: compare numbers, not text.
norm() { awk '{ s = $1 " " $2 " " $3; for (i = 4; i <= NF; i++) { split($i, f, ":"); s = s " " f[1] ":" sprintf("%.1f", f[2]) } print s }' "$1"; }
if [ -s "$T/records.txt" ] && diff <(norm "$T/lines.txt") <(norm "$T/records.txt") >"$T/diff.txt"; then
	t_pass "--emit: a levels record a line, same times, levels and speaker ($(wc -l <"$T/records.txt"))"
else
	t_fail "--emit: levels records match speakers.jsonl" "$(head -n 4 "$T/diff.txt" | tr '\n' ' ')"
fi
srcs=$(awk '$2 == "levels" { for (i = 6; i <= NF; i++) { split($i, f, ":"); print f[1] ":" f[3] } }' "$T/dump.txt" | sort -u | tr '\n' ' ')
[ "$srcs" = "1001:decoded 1002:decoded 1003:decoded 1004:rfc6464 " ] \
	&& t_pass "sources: 1004 rfc6464, the others decoded" || t_fail "sources" "$srcs"

# The demo's timeline picture draws from speakers.jsonl: an orange mark
# for each interval 1001 was the active speaker, none for the others.
act=$(jq -r 'select(.active != null) | .active' "$J" | wc -l)
if AGREC_FFMPEG=/nonexistent "$AGREC_TOP/scripts/timeline" "$REC_DIR" "$T/timeline.svg" 2>"$T/tl.err"; then
	marks=$(grep -c 'fill="#f80"' "$T/timeline.svg")
	[ "$marks" = "$act" ] && [ "$act" -gt 0 ] && grep -q 'speakers.jsonl' "$T/timeline.svg" \
		&& t_pass "timeline: $marks active-speaker marks from speakers.jsonl (no ffmpeg needed)" \
		|| t_fail "timeline: active-speaker marks" "$marks marks, $act active lines"
else
	t_fail "timeline draws from speakers.jsonl" "$(cat "$T/tl.err")"
fi

# 2. Off by default: no file, no record.
port=$(free_port)
rec_start off --channel off --recordFileRootDir "$T/off" --listen "127.0.0.1:$port" --idle 60 \
	--emit "$T/off.stream" || { t_fail "recorder starts (off)" "$(cat "$T/off.err")"; exit 1; }
SECS=2 opus_tx "$port" 1001 0x1001 "$loud" & s1=$!
PIDS+=("$s1")
wait "$s1"
wait_for 10 rec_drained "$port"
rec_stop
recs=$("$RECORD" --dump "$T/off.stream" | grep -c ' levels ')
[ ! -e "$REC_DIR/speakers.jsonl" ] && [ "$recs" = 0 ] && [ -n "$(ls "$REC_DIR"/1001_*.aac 2>/dev/null)" ] \
	&& t_pass "off by default: no speakers.jsonl, no levels record" || t_fail "off by default" "$(ls "$REC_DIR"), $recs records"

# 3. Values.
"$RECORD" --channel x --audioIndicationInterval 5 >/dev/null 2>"$T/v5.err"; rc=$?
[ "$rc" = 64 ] && grep -q 'audioIndicationInterval.*under 10' "$T/v5.err" \
	&& t_pass "--audioIndicationInterval 5 refused (64)" || t_fail "--audioIndicationInterval 5" "exit $rc: $(cat "$T/v5.err")"
"$RECORD" --channel x --audioIndicationInterval 60001 >/dev/null 2>"$T/vbig.err"; rc=$?
[ "$rc" = 64 ] && grep -q 'audioIndicationInterval' "$T/vbig.err" \
	&& t_pass "--audioIndicationInterval 60001 refused (64)" || t_fail "--audioIndicationInterval 60001" "exit $rc: $(cat "$T/vbig.err")"
port=$(free_port)
rec_start warn --channel w --recordFileRootDir "$T/off" --listen "127.0.0.1:$port" --idle 60 \
	--audioIndicationInterval 100 || { t_fail "recorder starts (100 ms)" "$(cat "$T/warn.err")"; exit 1; }
rec_stop
[ "$REC_RC" = 0 ] && grep -q 'warning: --audioIndicationInterval 100.*200 or more' "$T/warn.err" \
	&& t_pass "--audioIndicationInterval 100 runs with a warning" || t_fail "--audioIndicationInterval 100" "exit $REC_RC: $(cat "$T/warn.err")"

# 4. SIGKILL: whole lines only (one write() a line).
port=$(free_port)
rec_start kill --channel k --recordFileRootDir "$T/off" --listen "127.0.0.1:$port" --idle 60 \
	--audioIndicationInterval 50 || { t_fail "recorder starts (kill)" "$(cat "$T/kill.err")"; exit 1; }
KD=$REC_DIR
SECS=6 opus_tx "$port" 1001 0x1001 "$loud" & s1=$!
PIDS+=("$s1")
klines() { [ -f "$KD/speakers.jsonl" ] && [ "$(wc -l <"$KD/speakers.jsonl")" -ge 20 ]; }
if wait_for 15 klines; then
	kill -KILL "$REC_PID"
	wait "$REC_PID" 2>/dev/null
	kill "$s1" 2>/dev/null
	n=$(wc -l <"$KD/speakers.jsonl")
	last=$(tail -c 1 "$KD/speakers.jsonl" | od -An -c | tr -d ' ')
	if jq -e . "$KD/speakers.jsonl" >/dev/null 2>&1 && [ "$last" = '\n' ] &&
		[ "$(jq -c . "$KD/speakers.jsonl" | wc -l)" = "$n" ]; then
		t_pass "SIGKILL: $n whole lines, each JSON"
	else
		t_fail "SIGKILL: whole lines" "last byte '$last'; $(tail -n 2 "$KD/speakers.jsonl")"
	fi
else
	t_fail "SIGKILL: lines written before the kill" "$(ls "$KD")"
fi
