#!/usr/bin/env bash
# A recorder whose audio encoders cannot keep up (an overloaded machine)
# loses a little audio, logged, and never a file: the children are the
# real ffmpeg behind a wrapper (AGREC_FFMPEG) that, for the audio writers
# only, feeds it through a reader throttled to SLOW_BPS bytes a second (a
# quarter of the sender's Opus) for its first SLOW_BYTES bytes, then at
# full speed, as a machine that is busy for a while and then is not.
# Checked: one .aac per user that decodes and lasts its span (the
# dropped frames are silence, in time), the loss logged per user with
# counts, summed in recording.log and on stderr at exit, no child
# killed or started again, and every video frame kept.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/probe.sh"
. "$(dirname "$0")/../lib/rec.sh"
need ffmpeg ffprobe python3
real=$(command -v ffmpeg)
cat >"$T/throttle.py" <<'PY'
import os, sys, time
rate, slow = int(sys.argv[1]), int(sys.argv[2])
start, done = time.monotonic(), 0
while True:
    b = os.read(0, 512 if done < slow else 65536)
    if not b:
        break
    os.write(1, b)
    done += len(b)
    if done < slow:
        ahead = start + done / rate - time.monotonic()
        if ahead > 0:
            time.sleep(ahead)
PY
cat >"$T/ffmpeg" <<WRAP
#!/bin/sh
# The audio writer is the child that writes ADTS.
case " \$* " in
*" adts "*) python3 "$T/throttle.py" "\$SLOW_BPS" "\$SLOW_BYTES" | "$real" "\$@"; exit ;;
esac
exec "$real" "\$@"
WRAP
chmod 755 "$T/ffmpeg"
secs=24
port=$(free_port)
mkdir -p "$T/root"
SLOW_BPS=2000 SLOW_BYTES=36000 AGREC_FFMPEG=$T/ffmpeg rec_start rec --channel over \
	--recordFileRootDir "$T/root" --listen "127.0.0.1:$port" --idle 60 || exit 1
dir=$REC_DIR
send_av "$port" "$secs" 1001 0x11111111 0x22222222 & s1=$!
send_av "$port" "$secs" 1002 0x11111112 0x22222223 & s2=$!
PIDS+=("$s1" "$s2")
wait "$s1" "$s2"
wait_for 30 rec_gone "$dir" 1001 && wait_for 30 rec_gone "$dir" 1002 ||
	t_fail "the users' leaves are logged" "$(tail -n 3 "$dir/recording.log")"
kill -TERM "$REC_PID"
rec_wait 90
[ "$REC_RC" = 0 ] && t_pass "the recorder exits 0" || t_fail "the recorder exits 0" "$REC_RC"
[ -f "$dir/recording2-done.txt" ] && t_pass "the folder is finished" || t_fail "the folder is finished" "$(ls "$dir")"

log=$dir/recording.log
for uid in 1001 1002; do
	mapfile -t a < <(ls "$dir"/${uid}_*.aac 2>/dev/null)
	if [ "${#a[@]}" != 1 ]; then
		t_fail "uid $uid: one audio file" "${#a[@]}: $(ls "$dir")"
		continue
	fi
	t_pass "uid $uid: one audio file"
	err=$(ffmpeg -hide_banner -nostdin -v error -i "${a[0]}" -f null - 2>&1)
	[ -z "$err" ] && t_pass "uid $uid: the audio decodes" || t_fail "uid $uid: the audio decodes" "$(echo "$err" | head -n 2)"
	# Its length is its span in the txt: the dropped frames are silence.
	txt=$(txt_of "$dir" "$uid")
	span=$(awk -v f="${a[0]##*/}" '$2 == f && $3 == "create" { c = $1 } $2 == f && $3 == "close" { e = $1 }
		END { print e - c }' $txt)
	d=$(adts_dur "${a[0]}")
	fnear "$d" "$span" 1 && t_pass "uid $uid: the audio lasts its span ($d s of $span s)" ||
		t_fail "uid $uid: the audio lasts its span" "$d s, span $span s"
	line=$(grep -E "uid $uid: audio fell behind: [0-9]+ frames \([0-9.]+ s\) dropped in ${a[0]##*/}" "$log")
	n=$(echo "$line" | awk '{ print $7 }')
	if [ "$(echo "$line" | grep -c .)" = 1 ] && [ "${n:-0}" -gt 0 ]; then
		t_pass "uid $uid: the loss is logged once, with counts ($n frames)"
		kept=$(awk -v f="${a[0]##*/}" '$4 == "closed" && $5 == f { gsub(/\(/, "", $6); print $6 }' "$log")
		fgt "$kept" "$n" && t_pass "uid $uid: more audio kept than lost ($kept frames kept)" ||
			t_fail "uid $uid: more audio kept than lost" "$kept kept, $n dropped"
	else
		t_fail "uid $uid: the loss is logged once, with counts" "$(grep 'fell behind' "$log")"
	fi
	v=$(ls "$dir"/${uid}_*.mp4 2>/dev/null | head -n 1)
	nf=$(ffprobe -v error -count_packets -select_streams v:0 -show_entries stream=nb_read_packets \
		-of default=nw=1:nk=1 -- "$v" 2>/dev/null)
	want=$(awk -v f="${v##*/}" '$4 == "closed" && $5 == f { gsub(/\(/, "", $6); print $6 }' "$log")
	[ -n "$nf" ] && [ "$nf" = "$want" ] && [ "$nf" -ge $((secs * 15 - 2)) ] &&
		t_pass "uid $uid: every video frame kept ($nf)" || t_fail "uid $uid: every video frame kept" "$nf in the file, $want logged"
done
grep -Eq "the machine did not keep up: [0-9]+ audio frames \([0-9.]+ s\) lost in 2 files" "$log" &&
	t_pass "the loss is summed in recording.log" || t_fail "the loss is summed in recording.log" "$(tail -n 3 "$log")"
grep -q "the machine did not keep up" "$T/rec.err" && t_pass "the loss is told on stderr" ||
	t_fail "the loss is told on stderr" "$(cat "$T/rec.err")"
# No child was killed, none died, none was started again.
n=$(grep -c 'started .*\.aac' "$log")
bad=$(grep -E 'stalled|the ffmpeg writing|did not finish|children did not' "$log")
[ "$n" = 2 ] && [ -z "$bad" ] && t_pass "one audio child per user, none killed" ||
	t_fail "one audio child per user, none killed" "$n started; $bad"
