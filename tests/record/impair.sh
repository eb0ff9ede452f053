#!/usr/bin/env bash
# agrec-record behind an impairing UDP relay (tests/tools/udp_relay.py):
# one F1 participant (H.264 GOP 30 at 15 fps + Opus) for 6 s with 5 % RTP
# loss, 5 % duplication and 5 % reordering, seed fixed.  The recorder must
# not crash, must write playable files of the right length, and must keep
# exactly the video frames that its loss policy allows (see below).
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/probe.sh"
. "$(dirname "$0")/../lib/rec.sh"
need ffmpeg ffprobe python3 jq ss
RELAY=$AGREC_TOP/tests/tools/udp_relay.py
SECS=6 FPS=15 GOP=30 SEED=${IMPAIR_SEED:-7}	# the seed is fixed; IMPAIR_SEED only to explore
NFRAMES=$((SECS * FPS))

out=$(free_port)
for i in 1 2 3 4 5; do in=$(free_port); [ $((in - out)) -ge 2 ] || [ $((out - in)) -ge 2 ] && break; done
mkdir -p "$T/root"
rec_start rec --channel impair --recordFileRootDir "$T/root" --listen "127.0.0.1:$out" --idle 60 \
	|| { t_fail "recorder starts" "$(cat "$T/rec.err")"; exit 1; }
# --max-hold-ms 40: a held packet is late by at most 40 ms, well inside the
# recorder's 80 ms reorder wait, so reordering alone never loses a packet.
python3 "$RELAY" --in "$in" --out "$out" --seed "$SEED" --loss 0.05 --dup 0.05 --reorder 0.05 \
	--max-hold-ms 40 --idle 1 --duration 25 --json "$T/relay.json" --log "$T/relay.csv" \
	>"$T/relay.out" 2>"$T/relay.err" &
relay=$!
PIDS+=("$relay")
relay_up() { ss -Hlun "sport = :$in" 2>/dev/null | grep -q .; }
wait_for 20 relay_up || t_fail "the relay listens" "$(cat "$T/relay.err")"
send_av "$in" "$SECS" 1001 0x11111111 0x22222222
# The relay exits 1 s after the last packet (the BYEs) and writes its summary.
wait_for 20 pids_gone "$relay" || t_fail "the relay exits after the last packet" "still running"
wait "$relay"; relay_rc=$?
wait_for 20 rec_gone "$REC_DIR" 1001 || t_fail "the recorder sees the BYE (RTCP is not impaired)" "$(tail -n 5 "$REC_DIR/recording.log")"
rec_stop
[ "$REC_RC" = 0 ] && t_pass "recorder exits 0" || t_fail "recorder exits 0" "status $REC_RC: $(tail -n 3 "$T/rec.err")"

# --- the relay really impaired the stream --------------------------------------
rp=".ports[\"$in\"]" cp=".ports[\"$((in + 1))\"]"
if [ "$relay_rc" = 0 ] && jqe "$T/relay.json" "$rp.dropped > 0 and $rp.duplicated > 0 and $rp.reordered > 0 and $rp.rtp > 300"; then
	t_pass "relay dropped, duplicated and reordered RTP ($(jq -c "$rp" "$T/relay.json"))"
else
	t_fail "relay impaired the stream" "exit $relay_rc: $(cat "$T/relay.json" "$T/relay.err" 2>/dev/null | head -c 400)"
fi
jqe "$T/relay.json" "$cp.rtcp > 0 and $cp.forwarded == $cp.received" \
	&& t_pass "relay passed RTCP untouched" || t_fail "relay passed RTCP untouched" "$(cat "$T/relay.json")"

# --- what the recorder should keep of the video ----------------------------------
# A frame with a lost packet cannot be decoded: the recorder drops it, keeps
# the complete frames that follow (the decoder conceals what they refer to
# until the next key frame; the recorder asks for one with a PLI, which
# ffmpeg ignores), and starts its file at the first intact key frame, so
# the timeline stays whole.  Duplicates and reordering (fixed by its jitter
# buffer) must cost nothing.  The frames kept are predicted exactly from the
# relay's per-packet log (frames in order of their RTP timestamp; a frame is
# damaged when any of its packets was dropped).
vssrc=11111111
pred=$(awk -F, -v ss="$vssrc" -v gop="$GOP" '
	NR > 1 && $2 == ss {
		if (!($5 in idx)) { idx[$5] = n++ }
		if ($7 == "drop") bad[idx[$5]] = 1
	}
	END {
		kept = 0; first = -1; last = -1; dmg = 0; started = 0
		for (k = 0; k < n; k++) {
			if (k in bad) { dmg++; continue }
			if (!started && k % gop == 0) started = 1
			if (started) { kept++; if (first < 0) first = k; last = k }
		}
		print n, kept, first, last, dmg
	}' "$T/relay.csv")
read -r vsent kept first last damaged <<<"$pred"
[ "$vsent" = "$NFRAMES" ] && [ "${damaged:-0}" -gt 0 ] \
	&& t_pass "relay log: $vsent video frames, $damaged damaged, $kept expected to survive" \
	|| t_fail "relay log: $NFRAMES video frames, some damaged" "$pred"

txts=($(txt_of "$REC_DIR" 1001))
[ ${#txts[@]} = 1 ] && t_pass "one txt for uid 1001" || t_fail "one txt for uid 1001" "${txts[*]}"
txt=${txts[0]:-/nonexistent}
if [ -s "$txt" ] && ! grep -qvE '^[0-9]+\.[0-9]{3} 1001_[0-9]{17}\.(aac|mp4) (create |close |info width=320 height=180 rotation=0)$' "$txt"; then
	t_pass "txt grammar"
else
	t_fail "txt grammar" "$(cat -A "$txt" 2>&1 | head -n 8 | tr '\n' ' ')"
fi
mp4=$(ls "$REC_DIR"/1001_*.mp4 2>/dev/null) aac=$(ls "$REC_DIR"/1001_*.aac 2>/dev/null)
[ -s "$mp4" ] && [ -s "$aac" ] && [ "$(echo "$mp4" | wc -l)" = 1 ] && [ "$(echo "$aac" | wc -l)" = 1 ] \
	&& t_pass "one .mp4 and one .aac" || t_fail "one .mp4 and one .aac" "$(ls "$REC_DIR")"

# Audio: a lost Opus packet becomes 20 ms of silence, so the length holds.
d=$(adts_dur "$aac")
fnear "$d" "$SECS" 0.3 && t_pass "aac lasts $SECS s ($d)" || t_fail "aac lasts $SECS s" "${d:-no duration}"

# Video: exactly the predicted frames, spanning first..last of them.
n=$(ffprobe -v error -count_frames -count_packets -select_streams v:0 \
	-show_entries stream=nb_read_frames,nb_read_packets -of csv=p=0 -- "$mp4" 2>/dev/null | head -n 1)
nf=${n%,*} np=${n#*,}	# ffprobe prints nb_read_frames, then nb_read_packets
[ "$np" = "$kept" ] && t_pass "mp4 keeps the $kept of $NFRAMES frames that arrived whole" \
	|| t_fail "mp4 keeps the frames that arrived whole" "$np samples, want $kept"
fgt "$kept" $(( (NFRAMES - first) * 3 / 4 )) && t_pass "most of the video after the first key frame is kept ($kept of $((NFRAMES - first)))" \
	|| t_fail "most of the video kept" "$kept of $((NFRAMES - first))"
# Frames that refer to a lost one may not come out of the decoder until the
# next key frame; most must.
fgt "$nf" $((kept * 3 / 5)) && t_pass "the decoder shows most of them ($nf frames)" || t_fail "decoded frames" "$n"
want=$(awk -v f="$first" -v l="$last" -v r="$FPS" 'BEGIN { printf "%.3f", (l - f + 1) / r }')
d=$(probe_dur "$mp4" v)
fnear "$d" "$want" 0.2 && t_pass "mp4 lasts from the first to the last kept frame ($d, want $want)" \
	|| t_fail "mp4 lasts from the first to the last kept frame" "${d:-no duration}, want $want (frames $first..$last)"
ct=$(awk -v f="${mp4##*/}" '$2 == f && $3 == "create" {c = $1} $2 == f && $3 == "close" {print $1 - c}' "$txt")
fnear "$ct" "$d" 0.1 && t_pass "mp4 txt span matches its media ($ct)" || t_fail "mp4 txt span matches its media" "txt $ct, probed $d"
if errs=$(ffmpeg -nostdin -v error -i "$mp4" -f null - 2>&1); then
	t_pass "mp4 decodes (exit 0; the decoder conceals missing references)"
else
	t_fail "mp4 decodes (exit 0)" "$(echo "$errs" | tail -n 3 | tr '\n' ' ')"
fi

# recording.log: a clean stop, no crash or failure.
log=$REC_DIR/recording.log
if [ -f "$REC_DIR/recording2-done.txt" ] && tail -n 1 "$log" | grep -q '^[0-9.]* stopped:' &&
	! grep -qiE 'crash|abort|assert|segfault|SIGSEGV|signal (6|11)|failed|cannot' "$log"; then
	t_pass "recording.log shows a clean stop"
else
	t_fail "recording.log shows a clean stop" "$(grep -iE 'crash|abort|assert|segfault|signal|failed|cannot' "$log" | head -n 3 | tr '\n' ' ') last: $(tail -n 1 "$log")"
fi

# agrec-convert -m 1: the merged output lasts until the txt's last close.
# (1001_0_merge_av.mp4; 1001_0_merge.m4a if the video clip is shorter than
# 1 s, which the converter drops as Agora's does: not with the fixed seed.)
endt=$(awk '$3 == "close" && $1 + 0 > m {m = $1 + 0} END {print m}' "$txt")
if "$CONVERT" -q -m 1 -f "$REC_DIR" 2>"$T/conv.err"; then
	o=$(ls "$REC_DIR"/1001_0_merge_av.mp4 "$REC_DIR"/1001_0_merge.m4a 2>/dev/null | head -n 1)
	d=$(probe_dur "$o")
	fnear "$d" "$endt" 0.3 && t_pass "converted: ${o##*/} lasts until the last close ($d, $endt)" \
		|| t_fail "converted duration" "${o##*/}: ${d:-no output}, want $endt; $(ls "$REC_DIR" | tr '\n' ' ')"
else
	t_fail "agrec-convert -m 1 converts the recording" "$(tail -n 3 "$T/conv.err" | tr '\n' ' ')"
fi
