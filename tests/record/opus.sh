#!/usr/bin/env bash
# agrec-record --audioFormat opus (issue 14, item 4): an Opus sender's
# audio kept as it came, in <UID>_<TS>.opus Ogg Opus files written by the
# recorder itself (no ffmpeg child), named by the txt like .aac files.
#  1. H.264 + mono Opus flashing and beeping every second (lipsync.sh's
#     source): the .opus probed (codec, channels, duration, level), the
#     txt, no child process, and A/V sync on the txt timeline.
#  1b. That folder converted with -m 0..3, AAC and Opus kept, each output
#     probed (streams, codec, duration, A/V start, sound).
#  2. H.264 + stereo Opus that stops for 2 s and starts again (a new
#     ffmpeg, the same SSRC, within --leave-timeout): one .opus,
#     continuous in time (its duration is the span of its txt lines and
#     of the sending), silence in the gap, the tone around it.
#  3. A recorder SIGKILLed while an Opus sender sends: the .opus it
#     leaves is read by ffprobe and ffmpeg, within 1 s of what was sent.
#  4. A PCMU sender under --audioFormat opus still gets its .aac.
#  5. Stereo Opus through an impairing relay (5 % loss, duplication and
#     reordering, seed fixed): the .opus stays continuous in time.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/probe.sh"
. "$(dirname "$0")/../lib/rec.sh"
need ffmpeg ffprobe python3 jq
FB=$AGREC_TOP/tests/tools/flashbeep.py
SECS=8
vsrc() { echo "color=c=black:s=320x240:r=15:d=$1,drawbox=c=white:t=fill:enable='lt(mod(t\,1)\,0.06)'"; }
asrc() { echo "aevalsrc=if(lt(mod(t\,1)\,0.03)\,0.5*sin(2*PI*1000*t)\,0):s=48000:c=mono:d=$1"; }
h264=(-c:v libx264 -profile:v baseline -preset veryfast -tune zerolatency -g 15 -keyint_min 15
	-sc_threshold 0 -pix_fmt yuv420p -threads 1 -payload_type 96)

# opus_problems FILE CH DUR: what is wrong with an .opus file (nothing if right).
opus_problems() {
	local c ch d mv errs
	c=$(probe_stream_field "$1" a codec_name); ch=$(probe_stream_field "$1" a channels)
	d=$(probe_dur "$1" a)
	[ "$c" = opus ] || echo "codec '$c'"
	[ "$ch" = "$2" ] || echo "channels '$ch', not $2"
	fnear "$d" "$3" 0.2 || echo "duration '$d', not $3 +- 0.2"
	[ "$(probe_count "$1" v)" = 0 ] || echo "a video stream"
	mv=$(mean_volume "$1" 0 "$3")
	fgt "$mv" -80 || echo "mean volume '$mv' dB"
	errs=$(ffmpeg -nostdin -v error -i "$1" -f null - 2>&1 | head -n 3)
	[ -z "$errs" ] || echo "decode errors: $errs"
}

# ogg_ok NAME FILE CH DUR
ogg_ok() {
	local p; p=$(opus_problems "$2" "$3" "$4")
	[ -z "$p" ] && t_pass "$1" || t_fail "$1" "$(echo "$p" | tr '\n' ';')"
}

# closes DIR N: the folder's txt files hold N close lines or more.
closes() { [ "$(cat "$1"/uid_*.txt 2>/dev/null | grep -c ' close $')" -ge "$2" ]; }

# txt_span TXT FILE: close - create of FILE in TXT.
txt_span() { awk -v f="$2" '$2 == f && $3 == "create" { c = $1 } $2 == f && $3 == "close" { print $1 - c }' "$1"; }

mkdir -p "$T/root"

# 1. Mono Opus + H.264, flash and beep every second.
port=$(free_port)
rec_start rec1 --channel opus1 --recordFileRootDir "$T/root" --listen "127.0.0.1:$port" --idle 60 \
	--audioFormat opus || { t_fail "recorder starts" "$(cat "$T/rec1.err")"; exit 1; }
t0=$(date +%s%6N)
timeout $((SECS + 20)) ffmpeg -hide_banner -nostdin -loglevel error \
	-re -f lavfi -i "$(vsrc $SECS)" -re -f lavfi -i "$(asrc $SECS)" \
	-map 0:v "${h264[@]}" -start_time_realtime "$t0" -f rtp -ssrc 0x11111111 -cname 1001 \
	-rtpflags send_bye "rtp://127.0.0.1:$port" \
	-map 1:a -c:a libopus -ar 48000 -ac 1 -b:a 32k -start_time_realtime "$t0" -f rtp \
	-payload_type 111 -ssrc 0x22222222 -cname 1001 -rtpflags send_bye "rtp://127.0.0.1:$port" \
	>/dev/null 2>"$T/send1.err" &
spid=$!
PIDS+=("$spid")
# While both files are open: the recorder has no child at all.
if wait_for 20 rec_logged "$REC_DIR" 'started 1001_[0-9]{17}\.opus' &&
	wait_for 20 rec_logged "$REC_DIR" 'started 1001_[0-9]{17}\.mp4'; then
	kids=$(rec_children "$REC_PID")
	[ -z "$kids" ] && t_pass "no child process for the .opus and .mp4" \
		|| t_fail "no child process for the .opus and .mp4" "children: $kids ($(ps -o args= -p "${kids%% *}"))"
else
	t_fail "the recorder starts a .opus and a .mp4" "$(tail -n 5 "$REC_DIR/recording.log")"
fi
wait "$spid" || t_fail "sender 1" "$(tail -n 3 "$T/send1.err")"
wait_for 20 closes "$REC_DIR" 2 || t_fail "the BYEs close both files" "$(cat "$REC_DIR"/uid_*.txt)"
rec_stop
[ "$REC_RC" = 0 ] && t_pass "1: clean exit 0" || t_fail "1: clean exit 0" "status $REC_RC: $(tail -n 3 "$T/rec1.err")"
txt=$(txt_of "$REC_DIR" 1001 | head -n 1)
opus=$(awk '$2 ~ /\.opus$/ && $3 == "create" { print $2; exit }' "$txt")
if [ -n "$opus" ] && ! grep -qvE '^[0-9]+\.[0-9]{3} 1001_[0-9]{17}\.(opus|mp4) (create |close |info width=320 height=240 rotation=0)$' "$txt" &&
	[ "$(grep -c '\.opus create $' "$txt")" = 1 ] && [ "$(grep -c '\.opus close $' "$txt")" = 1 ]; then
	t_pass "1: the txt names the .opus (create, close), as an .aac"
else
	t_fail "1: the txt names the .opus" "$(cat -A "$txt")"
fi
[ -z "$(ls "$REC_DIR"/*.aac 2>/dev/null)" ] && t_pass "1: no .aac" || t_fail "1: no .aac" "$(ls "$REC_DIR")"
[ "$(stat -c %a "$REC_DIR/$opus")" = 600 ] && t_pass "1: the .opus is 0600" || t_fail "1: the .opus is 0600" "$(stat -c %a "$REC_DIR/$opus")"
ogg_ok "1: mono .opus probed (opus, 1 channel, $SECS s, not silent, decodes cleanly)" "$REC_DIR/$opus" 1 $SECS
span=$(txt_span "$txt" "$opus")
fnear "$span" "$(probe_dur "$REC_DIR/$opus" a)" 0.2 && t_pass "1: txt span of the .opus matches it ($span s)" \
	|| t_fail "1: txt span of the .opus matches it" "txt $span, probed $(probe_dur "$REC_DIR/$opus" a)"
# A/V sync on the txt timeline (lipsync.sh 4a): the .opus needs no
# priming correction, its pre-skip leaves out the encoder's lookahead.
vfile=$(awk '$3 == "info" { print $2; exit }' "$txt"); vat=$(awk '$3 == "info" { print $1; exit }' "$txt")
aat=$(awk -v f="$opus" '$2 == f && $3 == "create" { print $1; exit }' "$txt")
if ffmpeg -nostdin -v error -y -itsoffset "$(awk -v t="$vat" 'BEGIN { printf "%.6f", 1 + t }')" -i "file:$REC_DIR/$vfile" \
	-itsoffset "$(awk -v t="$aat" 'BEGIN { printf "%.6f", 1 + t }')" -i "file:$REC_DIR/$opus" \
	-map 0:v -map 1:a -c:v copy -c:a pcm_s16le -f matroska "$T/sync.mkv" 2>"$T/remux.err"; then
	r=$(python3 "$FB" "$T/sync.mkv")
	echo "# the recording on its txt times: $r" >&2
	if [ "$(jq -r '.n // 0' <<<"$r")" -ge 6 ] && fnear "$(jq -r '.median_ms // empty' <<<"$r")" 0 30; then
		t_pass "1: A/V in sync within 30 ms on the txt timeline (median $(jq -r .median_ms <<<"$r") ms, $(jq -r .n <<<"$r") pairs)"
	else
		t_fail "1: A/V in sync within 30 ms on the txt timeline" "$r"
	fi
else
	t_fail "1: remux the recording" "$(tail -n 2 "$T/remux.err")"
fi

# 1b. That folder converts in every mode of agrec-convert (a copy each):
# AAC by default, Opus kept with --audioCodec opus; every output probed.
# conv_check NAME FILE KIND ACODEC: streams, codec, duration near the
# recording's, A/V starts together, sound (the beeps) in it.
conv_check() {
	local j nv na ac d vs as mv p=""
	j=$(ffprobe -v error -show_entries format=duration:stream=codec_type,codec_name,start_time \
		-of json -- "$2" 2>&1) || { t_fail "$1" "ffprobe: $(head -n 2 <<<"$j" | tr '\n' ' ')"; return; }
	nv=$(jq '[.streams[] | select(.codec_type=="video")] | length' <<<"$j")
	na=$(jq '[.streams[] | select(.codec_type=="audio")] | length' <<<"$j")
	ac=$(jq -r '[.streams[] | select(.codec_type=="audio")][0].codec_name // ""' <<<"$j")
	d=$(jq -r '.format.duration // ""' <<<"$j")
	case $3 in
	av) [ "$nv" = 1 ] && [ "$na" = 1 ] || p+="streams $nv video $na audio; " ;;
	a) [ "$nv" = 0 ] && [ "$na" = 1 ] || p+="streams $nv video $na audio; " ;;
	v) [ "$nv" = 1 ] && [ "$na" = 0 ] || p+="streams $nv video $na audio; " ;;
	esac
	[ "$na" = 0 ] || [ "$ac" = "$4" ] || p+="audio codec '$ac', not $4; "
	fnear "$d" "$SECS" 0.5 || p+="duration '$d', not $SECS +- 0.5; "
	if [ "$3" = av ]; then
		vs=$(jq -r '[.streams[] | select(.codec_type=="video")][0].start_time' <<<"$j")
		as=$(jq -r '[.streams[] | select(.codec_type=="audio")][0].start_time' <<<"$j")
		fnear "$vs" "$as" 0.05 || p+="A/V start times $vs / $as; "
	fi
	if [ "$na" = 1 ]; then
		mv=$(mean_volume "$2" 0 "$SECS")
		fgt "$mv" -60 || p+="mean volume '$mv' dB; "
	fi
	[ -z "$p" ] && t_pass "$1" || t_fail "$1" "${2##*/}: $p"
}
for c in "0 av aac" "1 av aac" "2 a aac" "3 v aac" "1 av opus" "2 a opus"; do
	set -- $c
	d=$T/conv-m$1-$3
	rm -rf "$d"; cp -r "$REC_DIR" "$d"
	if ! "$CONVERT" -q -m "$1" --audioCodec "$3" -f "$d" 2>"$d.err"; then
		t_fail "1b: -m $1 --audioCodec $3 converts the recorded folder" "$(tail -n 3 "$d.err")"
		continue
	fi
	case $1 in
	0) f=$(ls "$d"/1001_*_av.mp4 2>/dev/null | head -n 1) ;;
	1) f=$d/1001_0_merge_av.mp4 ;;
	2) f=$d/1001_0_merge.m4a ;;
	3) f=$d/1001_0_merge.mp4 ;;
	esac
	[ -n "$f" ] && [ -s "$f" ] || { t_fail "1b: -m $1 --audioCodec $3 output" "none in: $(ls "$d")"; continue; }
	conv_check "1b: recorded .opus folder, -m $1 --audioCodec $3: ${f##*/} probed ($2, $3)" "$f" "$2" "$3"
	cmp -s "$REC_DIR/$opus" "$d/$opus" && t_pass "1b: -m $1 --audioCodec $3 keeps the .opus" \
		|| t_fail "1b: -m $1 --audioCodec $3 keeps the .opus" "changed or gone"
done

# 2. Stereo Opus + H.264, a 2 s stop, the same SSRCs again.
send_st() {	# send_st SECONDS: H.264 + stereo Opus 440 Hz, no BYE
	timeout $(($1 + 20)) ffmpeg -hide_banner -nostdin -loglevel error \
		-re -f lavfi -i "testsrc2=size=320x180:rate=15:duration=$1" \
		-re -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=$1" \
		-map 0:v "${h264[@]}" -f rtp -ssrc 0x33333333 -cname 1002 "rtp://127.0.0.1:$port" \
		-map 1:a -c:a libopus -ar 48000 -ac 2 -b:a 64k -f rtp -payload_type 111 \
		-ssrc 0x44444444 -cname 1002 "rtp://127.0.0.1:$port" >/dev/null 2>>"$T/send2.err"
}
port=$(free_port)
rec_start rec2 --channel opus2 --recordFileRootDir "$T/root" --listen "127.0.0.1:$port" --idle 60 \
	--audioFormat opus --logLevel 6 || { t_fail "recorder 2 starts" "$(cat "$T/rec2.err")"; exit 1; }
a=$EPOCHREALTIME
send_st 3
sleep 2	# the gap being recorded, not an ordering
send_st 3
b=$EPOCHREALTIME
wait_for 20 rec_drained "$port"
rec_stop
[ "$REC_RC" = 0 ] && t_pass "2: clean exit 0" || t_fail "2: clean exit 0" "status $REC_RC: $(tail -n 3 "$T/rec2.err")"
files=($(ls "$REC_DIR"/1002_*.opus 2>/dev/null))
[ ${#files[@]} = 1 ] && t_pass "2: one .opus across the gap" || t_fail "2: one .opus across the gap" "$(ls "$REC_DIR")"
f=${files[0]:-none}
txt=$(txt_of "$REC_DIR" 1002 | head -n 1)
span=$(txt_span "$txt" "$(basename "$f")")
wall=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", b - a }')
d=$(probe_dur "$f" a)
# The span is a little shorter than the wall time around the senders
# (ffmpeg's own start, twice): the file's duration is the txt span.
ogg_ok "2: stereo .opus probed (opus, 2 channels, the txt span $span s)" "$f" 2 "$span"
fgt "$d" 7 && flt "$d" "$wall" && t_pass "2: continuous in time: $d s for a wall span of $wall s (3 s + 2 s + 3 s)" \
	|| t_fail "2: continuous in time" "duration $d, wall span $wall"
grep -q 'ms of gaps filled' "$REC_DIR/recording.log" && t_pass "2: the gap filled is logged" \
	|| t_fail "2: the gap filled is logged" "$(grep -i opus "$REC_DIR/recording.log" | tail -n 3)"
# Silence in the middle of the gap, the tone on either side.
mid=$(awk -v d="$d" 'BEGIN { printf "%.3f", d / 2 - 0.5 }')
g=$(mean_volume "$f" "$mid" 0.8); t1=$(mean_volume "$f" 0.5 2); t2=$(mean_volume "$f" "$(awk -v d="$d" 'BEGIN { print d - 2.5 }')" 2)
flt "$g" -60 && fgt "$t1" -40 && fgt "$t2" -40 && t_pass "2: silence in the gap ($g dB), tone around it ($t1, $t2 dB)" \
	|| t_fail "2: silence in the gap, tone around it" "gap '$g', before '$t1', after '$t2'"

# 3. SIGKILL while an Opus sender sends.
port=$(free_port)
rec_start rec3 --channel opus3 --recordFileRootDir "$T/root" --listen "127.0.0.1:$port" --idle 60 \
	--audioFormat opus || { t_fail "recorder 3 starts" "$(cat "$T/rec3.err")"; exit 1; }
timeout 30 ffmpeg -hide_banner -nostdin -loglevel error -progress "$T/prog3" -stats_period 0.1 \
	-re -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=8" \
	-c:a libopus -ar 48000 -ac 2 -b:a 64k -f rtp -payload_type 111 -ssrc 0x55555555 -cname 1003 \
	"rtp://127.0.0.1:$port" >/dev/null 2>"$T/send3.err" &
spid=$!
PIDS+=("$spid")
if wait_for 20 sent_at_least 4 "$T/prog3"; then
	kill -9 "$REC_PID"
	sent=$(sent_secs "$T/prog3")
	wait "$REC_PID" 2>/dev/null
	f=$(ls "$REC_DIR"/1003_*.opus 2>/dev/null | head -n 1)
	d=$(probe_dur "$f" a)
	errs=$(ffmpeg -nostdin -v error -i "$f" -f null - 2>&1 | grep -v 'truncat\|End of file' | head -n 3)
	[ "$(probe_stream_field "$f" a codec_name)" = opus ] && [ -z "$errs" ] && fnear "$d" "$sent" 1 \
		&& t_pass "3: SIGKILL leaves a readable .opus ($d s of $sent s sent)" \
		|| t_fail "3: SIGKILL leaves a readable .opus" "file '$f', duration '$d', sent $sent, errors: $errs"
else
	t_fail "3: the sender sends 4 s" "$(cat "$T/send3.err")"
fi
kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null

# 4. PCMU is not Opus: its audio still goes through the AAC child.
port=$(free_port)
rec_start rec4 --channel opus4 --recordFileRootDir "$T/root" --listen "127.0.0.1:$port" --idle 60 \
	--audioFormat opus || { t_fail "recorder 4 starts" "$(cat "$T/rec4.err")"; exit 1; }
send_pcmu "$port" 3 1004 0x66666666 0x77777777
wait_for 20 rec_gone "$REC_DIR" 1004
rec_stop
aac=$(ls "$REC_DIR"/1004_*.aac 2>/dev/null | head -n 1)
[ -n "$aac" ] && [ -z "$(ls "$REC_DIR"/*.opus 2>/dev/null)" ] && [ "$(probe_stream_field "$aac" a codec_name)" = aac ] \
	&& t_pass "4: a PCMU sender still gets an .aac" || t_fail "4: a PCMU sender still gets an .aac" "$(ls "$REC_DIR")"

# 5. Loss, duplicates and reordering (tests/tools/udp_relay.py, impair.sh's policy).
out=$(free_port)
for i in 1 2 3 4 5; do in=$(free_port); [ $((in - out)) -ge 2 ] || [ $((out - in)) -ge 2 ] && break; done
rec_start rec5 --channel opus5 --recordFileRootDir "$T/root" --listen "127.0.0.1:$out" --idle 60 \
	--audioFormat opus || { t_fail "recorder 5 starts" "$(cat "$T/rec5.err")"; exit 1; }
python3 "$AGREC_TOP/tests/tools/udp_relay.py" --in "$in" --out "$out" --seed 7 --loss 0.05 --dup 0.05 \
	--reorder 0.05 --max-hold-ms 40 --idle 1 --duration 25 --json "$T/relay.json" \
	>"$T/relay.out" 2>"$T/relay.err" &
relay=$!
PIDS+=("$relay")
relay_up() { ss -Hlun "sport = :$in" 2>/dev/null | grep -q .; }
wait_for 20 relay_up || t_fail "5: the relay listens" "$(cat "$T/relay.err")"
send_audio "$in" 6 1005 0x18888888
wait_for 20 pids_gone "$relay"
wait "$relay"
wait_for 20 rec_gone "$REC_DIR" 1005
rec_stop
lost=$(jq '[.. | objects | select(has("dropped")) | .dropped] | add // 0' "$T/relay.json" 2>/dev/null)
f=$(ls "$REC_DIR"/1005_*.opus 2>/dev/null | head -n 1)
txt=$(txt_of "$REC_DIR" 1005 | head -n 1)
span=$(txt_span "$txt" "$(basename "${f:-none}")")
ogg_ok "5: .opus after $lost packets lost: stereo, the txt span $span s, decodes cleanly" "${f:-none}" 2 "$span"
fnear "$(probe_dur "${f:-none}" a)" 6 0.2 && grep -q 'ms of gaps filled' "$REC_DIR/recording.log" \
	&& t_pass "5: continuous in time: $(probe_dur "$f" a) s for 6 s sent, the losses filled" \
	|| t_fail "5: continuous in time" "duration '$(probe_dur "${f:-none}" a)'; $(grep 'gaps filled' "$REC_DIR/recording.log")"
