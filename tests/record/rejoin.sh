#!/usr/bin/env bash
# A user leaves (BYE) and comes back: after 5 s the AAC continues and the
# video gets a new file in the same txt; after 20 s a new txt starts that
# continues the session's time base (agora-format.md 2.5 example B).
# The two cases run at once, on two recorders.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/probe.sh"
. "$(dirname "$0")/../lib/rec.sh"
need ffmpeg ffprobe
p1=$(free_port); p2=$(( p1 + 2 ))
mkdir -p "$T/r1" "$T/r2"
rec_start a --channel short --recordFileRootDir "$T/r1" --listen "127.0.0.1:$p1" --idle 60 || exit 1
pa=$REC_PID da=$REC_DIR
rec_start b --channel long --recordFileRootDir "$T/r2" --listen "127.0.0.1:$p2" --idle 60 || exit 1
pb=$REC_PID db=$REC_DIR
( send_av "$p1" 3 1001 0x11111111 0x22222222; sleep 5; send_av "$p1" 3 1001 0x11111121 0x22222232 ) & s1=$!
( send_av "$p2" 3 1001 0x11111111 0x22222222; sleep 20; send_av "$p2" 3 1001 0x11111121 0x22222232 ) & s2=$!
PIDS+=("$s1" "$s2")
wait "$s1" "$s2"
# (The 5 s and 20 s away are the test's content.)  Both leaves seen:
wait_for 20 rec_logged "$da" 'uid 1001 left' 2 || t_fail "recorder a sees the second BYE" "$(tail -n 5 "$da/recording.log")"
wait_for 20 rec_logged "$db" 'uid 1001 left' 2 || t_fail "recorder b sees the second BYE" "$(tail -n 5 "$db/recording.log")"
REC_PID=$pa; rec_stop; [ "$REC_RC" = 0 ] || t_fail "recorder a exits 0" "$REC_RC"
REC_PID=$pb; rec_stop; [ "$REC_RC" = 0 ] || t_fail "recorder b exits 0" "$REC_RC"

# --- rejoin after 5 s ---
txts=($(txt_of "$da" 1001))
[ ${#txts[@]} = 1 ] && t_pass "5 s: one txt" || t_fail "5 s: one txt" "${txts[*]}"
na=$(ls "$da"/1001_*.aac | wc -l) nv=$(ls "$da"/1001_*.mp4 | wc -l)
[ "$na" = 1 ] && t_pass "5 s: the AAC continues (one file)" || t_fail "5 s: one AAC" "$na"
[ "$nv" = 2 ] && t_pass "5 s: the video gets a new file" || t_fail "5 s: two mp4" "$nv"
aac=$(ls "$da"/1001_*.aac)
d=$(adts_dur "$aac")
# 3 s + ~5 s of silence + 3 s, all in one file that keeps time: as long as
# the recorder saw the meeting (first join to last leave; the 5 s away
# grow by the second sender's start-up), the rejoin at RJ s.
read -r want rj < <(awk '/uid 1001 joined/ { if (j == "") j = $1; else r = $1 } /uid 1001 left/ { l = $1 }
	END { printf "%.3f %.3f\n", l - j, r - j }' "$da/recording.log")
fnear "$d" "$want" 0.8 && t_pass "5 s: the AAC spans the gap with silence ($d s, meeting $want s)" || t_fail "5 s: AAC spans the gap" "$d (meeting $want s)"
span=$(awk -v f="$(basename "$aac")" '$2 == f && $3 == "create" {c=$1} $2 == f && $3 == "close" {print $1 - c}' "${txts[0]}")
fnear "$span" "$d" 0.4 && t_pass "5 s: AAC txt span = media ($span)" || t_fail "5 s: AAC txt span" "$span vs $d"

expect_silence "5 s: the gap is silent" "$aac" 4.5 2
expect_tone "5 s: tone after the rejoin" "$aac" "$(awk -v r="$rj" 'BEGIN { print r + 0.5 }')" 1.5
for v in "$da"/1001_*.mp4; do
	d=$(probe_dur "$v" v)
	fnear "$d" 3 0.4 && t_pass "5 s: $(basename "$v") lasts 3 s" || t_fail "5 s: video duration" "$d"
done

# --- rejoin after 20 s ---
txts=($(txt_of "$db" 1001))
[ ${#txts[@]} = 2 ] && t_pass "20 s: two txt files" || t_fail "20 s: two txt" "${txts[*]}"
head -n 1 "${txts[0]}" | grep -q '^0\.000 ' && t_pass "20 s: first txt at 0.000" || t_fail "20 s: first txt" "$(head -n 1 "${txts[0]}")"
first=$(head -n 1 "${txts[1]}" | cut -d' ' -f1)
fgt "$first" 20 && flt "$first" 30 && ! grep -q '^0\.000 ' "${txts[1]}" \
	&& t_pass "20 s: second txt continues the time base ($first)" || t_fail "20 s: second txt base" "$(cat "${txts[1]}")"
[ "$(ls "$db"/1001_*.aac | wc -l)" = 2 ] && t_pass "20 s: a new AAC" || t_fail "20 s: two AAC" "$(ls "$db")"
if "$CONVERT" -q -m 1 -f "$db"; then
	out=$db/1001_0_merge_av.mp4
	d=$(probe_dur "$out")
	want=$(tail -n 1 "${txts[1]}" | cut -d' ' -f1)
	fnear "$d" "$want" 0.3 && t_pass "20 s: mode 1 gives one session file of $want s" || t_fail "20 s: merged duration" "$d vs $want"
	expect_black "20 s: black while away" "$out" 12
	expect_picture "20 s: picture after the rejoin" "$out" "$(awk -v a="$first" 'BEGIN{print a + 1.5}')"
else
	t_fail "20 s: agrec-convert -m 1" "status $?"
fi
