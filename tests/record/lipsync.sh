#!/usr/bin/env bash
# Lip sync to the sample (issue 11, item 12): pictures that flash white
# for one frame while the audio beeps, every second; every flash and beep
# of an output are paired (tests/tools/flashbeep.py) and the median
# offset is checked.
#  1. The measurement itself, on the sender's media encoded to a local
#     MP4 (ffmpeg compensates its own encoder delays there).
#  2. The converter: a folder made of an ADTS file (1024 samples of AAC
#     priming, as the SDK's and agrec-record's) placed off the AAC frame
#     grid and an H.264 clip, converted with -m 1 (stream copy) and
#     --reencode: within 5 ms.
#  3. The SDK's own .aac (when the sample folders are there): converted
#     with -m 2, its samples come out exactly 1024 samples earlier.
#  4. A real sender (H.264 + mono Opus with RTCP) recorded by agrec-record:
#     the recording itself (its own files on the txt timeline, no frame
#     grid) within 5 ms, and converted with -m 1 within the frame grid's
#     rounding plus 5 ms.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/probe.sh"
. "$(dirname "$0")/../lib/rec.sh"
need ffmpeg ffprobe python3 jq
FB=$AGREC_TOP/tests/tools/flashbeep.py
SECS=10
# One white frame at every whole second (plus OFF s); a 30 ms 1 kHz beep at the same instants.
vsrc() { echo "color=c=black:s=320x240:r=15:d=$1,drawbox=c=white:t=fill:enable='lt(mod(t+$2\,1)\,0.06)'"; }
asrc() { echo "aevalsrc=if(lt(mod(t+$2\,1)\,0.03)\,0.5*sin(2*PI*1000*(t+$2))\,0):s=48000:c=mono:d=$1"; }

# jget JSON KEY: a number from flashbeep's output.
jget() { jq -r ".$2 // empty" <<<"$1"; }
# summary JSON: "median M ms (min .. max, N pairs)".
summary() { jq -r '"median \(.median_ms) ms (\(.min_ms) .. \(.max_ms), \(.n) pairs)"' <<<"$1"; }
# expect_sync NAME FILE TOL: at least 8 pairs, median offset within TOL ms.
expect_sync() {
	local r; r=$(python3 "$FB" "$2")
	if [ "$(jget "$r" n)" -ge 8 ] 2>/dev/null && fnear "$(jget "$r" median_ms)" 0 "$3"; then
		t_pass "$1: $(summary "$r")"
	else
		t_fail "$1 (median within $3 ms)" "$(summary "$r" 2>/dev/null || echo "$r")"
	fi
}

# 1. The measurement, calibrated.
ffmpeg -nostdin -v error -f lavfi -i "$(vsrc $SECS 0)" -f lavfi -i "$(asrc $SECS 0)" -c:v libx264 \
	-preset veryfast -pix_fmt yuv420p -threads 1 -c:a aac -ac 1 "$T/ref.mp4" || { t_fail "reference encode" "ffmpeg failed"; exit 1; }
expect_sync "measurement calibrated on a local encode" "$T/ref.mp4" 1

# 2. The converter: video from 0.400 s (on the 15 fps grid), audio from
# 0.013 s (between AAC frames), both showing whole seconds of the source.
S=$T/syn
mkdir -p "$S"
ffmpeg -nostdin -v error -f lavfi -i "$(vsrc 9 0.4)" -c:v libx264 -profile:v baseline -preset veryfast \
	-pix_fmt yuv420p -g 15 -threads 1 "$S/1001_20240301101500120.mp4" &&
ffmpeg -nostdin -v error -f lavfi -i "$(asrc 9.4 0.013)" -c:a aac -ac 1 -f adts "$S/1001_20240301101500133.aac" \
	|| { t_fail "synthetic folder" "ffmpeg failed"; exit 1; }
printf '%s\n' "0.000 1001_20240301101500120.mp4 create " "0.013 1001_20240301101500133.aac create " \
	"0.400 1001_20240301101500120.mp4 info width=320 height=240 rotation=0" \
	"9.400 1001_20240301101500120.mp4 close " "9.413 1001_20240301101500133.aac close " \
	>"$S/uid_1001_20240301101500120.txt"
: >"$S/recording2-done.txt"
for how in copy reencode; do
	rm -rf "$T/$how"; cp -r "$S" "$T/$how"
	args=(-q -m 1 -f "$T/$how" --json); [ $how = reencode ] && args+=(--reencode)
	"$CONVERT" "${args[@]}" >"$T/$how.json" || { t_fail "convert ($how)" "status $?"; continue; }
	c=$(jq -r '.folders[0].outputs[0].audio_copied' "$T/$how.json")
	[ $how = copy ] && [ "$c" != true ] && t_fail "converter ($how): audio copied" "audio_copied=$c"
	expect_media "converter ($how): output probed" "$T/$how/1001_0_merge_av.mp4" av 9.413 320 240
	expect_sync "converter ($how): ADTS priming and placement" "$T/$how/1001_0_merge_av.mp4" 5
done

# 3. The SDK's own AAC: its first 1024 samples (priming) are left out.
SDK=$SHARED/data/agora-2.3.0/20190208/abc_test_084414_521668222
if [ -d "$SDK" ]; then
	cp -r -- "$SDK" "$T/sdk"; chmod -R u+w "$T/sdk"
	if "$CONVERT" -q -m 2 -f "$T/sdk"; then
		lag=$(python3 "$AGREC_TOP/tests/tools/pcmlag.py" "$T/sdk/0_20190208084418569.aac" "$T/sdk/0_0_merge.m4a")
		[ "$lag" = "1024 0" ] && t_pass "SDK .aac (copied) starts 1024 samples in, sample for sample" \
			|| t_fail "SDK .aac (copied) starts 1024 samples in, sample for sample" "lag and largest difference: $lag"
	else
		t_fail "convert the SDK folder -m 2" "status $?"
	fi
else
	t_skip "SDK .aac priming" "no SDK sample folder at $SDK"
fi

# 4. A real sender recorded and converted with -m 1.  The two RTP outputs
# get one -start_time_realtime, so that ffmpeg's sender reports give both
# the same wall clock (otherwise each is the moment its own output
# started, tens of ms apart under load, and the recorder follows them).
port=$(free_port)
mkdir -p "$T/root"
rec_start rec --channel lipsync --recordFileRootDir "$T/root" --listen "127.0.0.1:$port" --idle 60 \
	|| { t_fail "recorder starts" "$(cat "$T/rec.err")"; exit 1; }
t0=$(date +%s%6N)
timeout $((SECS + 20)) ffmpeg -hide_banner -nostdin -loglevel error \
	-re -f lavfi -i "$(vsrc $SECS 0)" -re -f lavfi -i "$(asrc $SECS 0)" \
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

# 4a. The recording itself, off any frame grid: the recorder's video and
# audio files stream-copied into one Matroska file, each where
# agrec-folder(5) puts it on the txt timeline (the video's first frame at
# its info time, the AAC's first sample after its 1024 samples of priming
# at its create time), 1 s later so that nothing falls before 0.
txt=; for txt in "$REC_DIR"/uid_1001_*.txt; do break; done
vfile=$(awk '$3 == "info" { print $2; exit }' "$txt"); vat=$(awk '$3 == "info" { print $1; exit }' "$txt")
afile=$(awk '$2 ~ /\.aac$/ && $3 == "create" { print $2; exit }' "$txt")
aat=$(awk '$2 ~ /\.aac$/ && $3 == "create" { print $1; exit }' "$txt")
vfr=$T/recording.mkv
if [ -n "$vfile" ] && [ -n "$afile" ] &&
	ffmpeg -nostdin -v error -y -itsoffset "$(awk -v t="$vat" 'BEGIN { printf "%.6f", 1 + t }')" -i "file:$REC_DIR/$vfile" \
		-itsoffset "$(awk -v t="$aat" 'BEGIN { printf "%.6f", 1 + t - 1024 / 48000 }')" -i "file:$REC_DIR/$afile" \
		-map 0:v -map 1:a -c copy -f matroska "$vfr" 2>"$T/remux.err" &&
	[ "$(probe_count "$vfr" v)" = 1 ] && [ "$(probe_count "$vfr" a)" = 1 ] &&
	[ "$(probe_stream_field "$vfr" v codec_name)" = h264 ] && [ "$(probe_stream_field "$vfr" a codec_name)" = aac ]; then
	t_pass "recording: its own files remuxed and probed (h264 + aac)"
	rec=$(python3 "$FB" "$vfr")
	echo "# the recording on its txt times: $rec" >&2
	if [ "$(jget "$rec" n)" -ge 8 ] 2>/dev/null && fnear "$(jget "$rec" median_ms)" 0 5; then
		t_pass "recorded sender in sync within 5 ms (its own files on the txt timeline): $(summary "$rec")"
	else
		t_fail "recorded sender in sync within 5 ms (its own files on the txt timeline)" \
			"$(summary "$rec" 2>/dev/null || echo "$rec")"
	fi
else
	t_fail "recording: its own files remuxed and probed" \
		"video '$vfile' at '$vat', audio '$afile' at '$aat': $(tail -n 2 "$T/remux.err" 2>/dev/null)"
fi

# 4b. Converted with -m 1, at the default -p 15 and at -p 30, each on a
# copy of the folder.  The converter shows each frame from the output
# frame nearest its time (the recorder's frames are not on that grid: its
# lip sync moved them in the first seconds), so a flash moves by up to half
# a frame; and all the audio moves with the first video clip's own
# rounding onto the grid (agrec-convert(1)), known from its info time.
# So: 5 ms, plus half a frame, plus that rounding (the last is 0 when the
# video came first).
for p in 15 30; do
	dir=$T/p$p; cp -r "$REC_DIR" "$dir"
	"$CONVERT" -q -m 1 -p $p -f "$dir" || { t_fail "convert -m 1 -p $p" "status $?"; continue; }
	out=$dir/1001_0_merge_av.mp4
	expect_media "recording: -m 1 -p $p output probed" "$out" av "$(probe_dur "$out")" 320 240 $p
	got=$(python3 "$FB" "$out")
	echo "# recorded and converted -p $p: $got" >&2
	r0=$(awk -v t="$vat" -v p=$p 'BEGIN { ms = int(t * 1000 + 0.5); d = ms - int((ms * p + 500) / 1000) * 1000 / p; printf "%.1f", d < 0 ? -d : d }')
	tol=$(awk -v r="$r0" -v p=$p 'BEGIN { printf "%.1f", 5 + 1000 / p / 2 + r }')
	what="recorded and converted -m 1 -p $p in sync within $tol ms (5 + half a frame + the first clip's $r0)"
	if [ "$(jget "$got" n)" -ge 8 ] 2>/dev/null && fnear "$(jget "$got" median_ms)" 0 "$tol"; then
		t_pass "$what: $(summary "$got")"
	else
		t_fail "$what" "$(summary "$got" 2>/dev/null || echo "$got")"
	fi
done
