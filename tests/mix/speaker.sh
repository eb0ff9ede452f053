#!/usr/bin/env bash
# agrec-mix --layoutMode 3 (active speaker, agrec-mix(1) LAYOUT): the
# large region (0..512 x 0..360 of a 640x360 canvas) follows the speaker
# no sooner than --speakerHold after the new speaker's first active
# interval, and within hold + one interval; checked by pixel colour at
# frame times:
#   - live, from the levels records of a channel stream (mkstream);
#   - offline, from the folder's speakers.jsonl (wall_ms aligned with the
#     txt times), with a speaker who leaves and keeps the main region
#     (background, or the last frame with --keepLastFrame 1);
#   - offline without speakers.jsonl: measured on the decoded audio (a
#     silent user and one whose tone starts at 2.1 s).
# And the bad values: 64 with the option named.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/probe.sh"
. "$(dirname "$0")/lib.sh"
need ffmpeg ffprobe python3
[ -x "$MIX" ] || { t_fail "agrec-mix is built" "no $MIX"; exit 1; }
RES=(--mixResolution 640,360,15,500)
BIG=(256 180)	# inside the large region's picture (fit: 512x288 at y 36)

# expect_seq NAME FILE X Y "T COLOUR"...: the pixel at each time has the colour.
expect_seq() {
	local name=$1 f=$2 x=$3 y=$4 ts=() want=() i=0 got c
	shift 4
	for c; do ts+=("${c%% *}"); want+=("${c#* }"); done
	[ -s "$f" ] || { t_fail "$name" "no file $f"; return; }
	while read -r got; do
		if ! is_colour "$got" "${want[$i]}"; then
			t_fail "$name" "($x,$y) at ${ts[$i]} s is '$got', want ${want[$i]}"; return
		fi
		i=$((i + 1))
	done < <(rgb_frames "$f" "$x" "$y" "${ts[@]}")
	[ "$i" = "${#ts[@]}" ] && t_pass "$name" || t_fail "$name" "$i of ${#ts[@]} frames decoded"
}

# --- live: levels records; 2001 red active from 0, 2002 green from 3.0 s,
# nobody from 5.0 s; hold 1000: 2001 takes the main region at 1.0 s (it
# has it already: the first to join), 2002 at 4.0 s, kept through silence.
# (The switch comes late so that the decoders, started live, are up to
# speed on a loaded machine: a frame not decoded in time is background.)
S=$T/s.bin
"$(dirname "$0")/mkstream" "$S" 3 6 320x180 colors=red,lime,blue levels=200:0=2001,3000=2002,5000=0 \
	2>"$T/mk.err" || { t_fail "mkstream with levels" "$(cat "$T/mk.err")"; exit 1; }
"$MIX" -i "$S" -o "$T/live" "${RES[@]}" --layoutMode 3 --speakerHold 1000 >"$T/o" 2>"$T/e"; rc=$?
M=$(ls "$T"/live/0_*.mp4 2>/dev/null)
[ "$rc" = 0 ] && [ -n "$M" ] && t_pass "live layout 3: exit 0, a composite" || t_fail "live layout 3" "exit $rc $(tail -n 3 "$T/e")"
d=$(probe_dur "$M" v); p=$(media_problems "$M" v "$d" 640 360 15 2>/dev/null)
fnear "$d" 6.1 0.3 && [ -z "$p" ] && t_pass "live: 640x360 15 fps, $d s" || t_fail "live media" "$d s $p"
expect_seq "live: the large region is 2001 until 3.8 s (2002 active from 3.0, hold 1.0), 2002 at 4.0 and on" \
	"$M" "${BIG[@]}" "2.5 red" "3.8 red" "4.0 0 255 0" "4.2 0 255 0" "5.5 0 255 0"
expect_seq "live: the strip's first region is 2002 before the switch, 2001 after" \
	"$M" 576 45 "3.8 0 255 0" "4.2 red"
grep -q 'uid 2002 takes the main region at 4.000 s' "$T/e" && t_pass "live: the switch logged at 4.000 s" \
	|| t_fail "live switch log" "$(grep speaker "$T/e")"
# hold 0: at the end of the first interval of 2002 (3.2 s)
"$MIX" -q -i "$S" -o "$T/live0" "${RES[@]}" --layoutMode 3 --speakerHold 0 >/dev/null 2>"$T/e0"
expect_seq "live --speakerHold 0: 2002 large from the end of its first interval (3.2 s)" \
	"$T"/live0/0_*.mp4 "${BIG[@]}" "3.0 red" "3.2 0 255 0"

# --- offline: speakers.jsonl.  mkfolder: 101 red 0-6 s, 102 green 1-6 s,
# 103 blue 0-2 s (then audio only, 4-6 s).  103 active [0, 1.4) takes the
# main region at 1.0 s; it leaves at 2.0 s and keeps it; nobody [1.4,
# 2.4); 102 from 2.4 s takes it at 3.4 s.  One malformed line in the
# middle (skipped with a message), a partial last line (a killed
# recorder: skipped silently).
F=$T/rec
mkfolder "$F"
B=1709288100120	# the folder's session base, 2024-03-01 10:15:00.120 UTC
python3 - "$F/speakers.jsonl" "$B" <<'PY'
import sys
out, base = sys.argv[1], int(sys.argv[2])
with open(out, "w") as f:
    for k in range(1, 31):
        t, start = k * 200, (k - 1) * 200
        act = 103 if start < 1400 else "null" if start < 2400 else 102
        lv = '{"101":-127.0,"102":%s,"103":%s}' % ("-20.0" if act == 102 else "-127.0",
                                                    "-20.0" if act == 103 else "-127.0")
        f.write('{"t_ms":%d,"wall_ms":%d,"interval_ms":200,"levels":%s,"active":%s,"x":1}\n'
                % (t, base + t, lv, act))
        if k == 20:
            f.write('{"t_ms":oops}\n')
    f.write('{"t_ms":6200,"wall_ms":17')
PY
"$MIX" -f "$F" -o "$T/off" "${RES[@]}" --layoutMode 3 >"$T/o" 2>"$T/e"; rc=$?
M=$(ls "$T"/off/0_*.mp4 2>/dev/null)
[ "$rc" = 0 ] && [ -n "$M" ] && t_pass "folder layout 3 with speakers.jsonl: exit 0" || t_fail "folder layout 3" "exit $rc $(tail -n 3 "$T/e")"
grep -q 'speakers.jsonl: 1 malformed line(s) skipped, the first at line 21' "$T/e" \
	&& t_pass "speakers.jsonl: the malformed line named, the partial last line not" || t_fail "jsonl message" "$(cat "$T/e")"
expect_seq "folder: 101 (first) large, 103 from 1.0 s, kept as background after it left, 102 at 3.4 s" \
	"$M" "${BIG[@]}" "0.8 red" "1.0 blue" "1.8 blue" "2.6 bg" "3.2 bg" "3.4 0 128 0" "5.5 0 128 0"
"$MIX" -q -f "$F" -o "$T/offk" "${RES[@]}" --layoutMode 3 --keepLastFrame 1 >/dev/null 2>"$T/ek"
expect_seq "folder --keepLastFrame 1: the speaker who left shows its last frame until 102 takes over" \
	"$T"/offk/0_*.mp4 "${BIG[@]}" "1.8 blue" "2.6 blue" "3.2 blue" "3.4 0 128 0"

# --- offline without speakers.jsonl: 101 red silent, 102 green whose 660 Hz
# starts at 2.1 s; the interval [2.0, 2.2] is the first active: 102 large
# at 3.0 s, not at 2.8 s
A=$T/aud
mkdir -p "$A"
ff=(ffmpeg -nostdin -v error -y)
for u in 101:red 102:green; do
	"${ff[@]}" -f lavfi -i "color=c=${u#*:}:s=320x180:r=15:d=4" -c:v libx264 -profile:v baseline -preset ultrafast \
		-g 30 -pix_fmt yuv420p -threads 1 "file:$A/${u%%:*}_20240301101500120.mp4" &
done
"${ff[@]}" -f lavfi -i "anullsrc=r=48000:cl=mono" -t 4 -c:a aac -b:a 48k -f adts "file:$A/101_20240301101500120.aac" &
"${ff[@]}" -f lavfi -i "sine=frequency=660:sample_rate=48000:duration=4" -af "volume='if(lt(t,2.1),0,1)':eval=frame" \
	-c:a aac -b:a 48k -ac 1 -f adts "file:$A/102_20240301101500120.aac" &
wait
for u in 101 102; do
	printf '0.000 %s_20240301101500120.aac create \n0.000 %s_20240301101500120.mp4 create \n0.000 %s_20240301101500120.mp4 info width=320 height=180 rotation=0\n4.000 %s_20240301101500120.mp4 close \n4.000 %s_20240301101500120.aac close \n' \
		$u $u $u $u $u >"$A/uid_${u}_20240301101500120.txt"
done
printf '<version>2.0</version>\n<tag></tag>\n<channel name>spk</channel name>\n' >"$A/metadata.txt"
: >"$A/recording2-done.txt"
"$MIX" -f "$A" -o "$T/aout" "${RES[@]}" --layoutMode 3 >"$T/o" 2>"$T/e"; rc=$?
[ "$rc" = 0 ] && grep -q 'no speakers.jsonl: the active speaker is measured on the audio' "$T/e" \
	&& t_pass "folder without speakers.jsonl: exit 0, levels from the audio (said)" || t_fail "audio levels" "exit $rc $(cat "$T/e")"
expect_seq "audio levels: 101 (first, silent) large until 2.8 s, 102 (tone from 2.1 s) from 3.0 s" \
	"$T"/aout/0_*.mp4 "${BIG[@]}" "1.0 red" "2.8 red" "3.0 0 128 0" "3.8 0 128 0"

# --- bad values
run() { "$MIX" "$@" >"$T/o" 2>"$T/e"; RC=$?; }
exp() {	# exp NAME RC PATTERN
	if [ "$RC" = "$2" ] && grep -q -- "$3" "$T/e"; then t_pass "$1"; else t_fail "$1" "exit $RC: $(head -c 300 "$T/e")"; fi
}
run -f "$A" --layoutMode 3 --speakerHold -1; exp "--speakerHold -1: 64" 64 "speakerHold: '-1': not a whole number of milliseconds in 0..60000"
run -f "$A" --layoutMode 3 --speakerHold 60001; exp "--speakerHold 60001: 64" 64 "speakerHold: '60001'"
run -f "$A" --layoutMode 3 --speakerHold 1s; exp "--speakerHold 1s: 64" 64 "speakerHold: '1s'"
run -f "$A" --keepLastFrame 2; exp "--keepLastFrame 2: 64" 64 "keepLastFrame: '2': not a whole number in 0..1"
run -f "$A" --keepLastFrame yes; exp "--keepLastFrame yes: 64" 64 "keepLastFrame: 'yes'"
cp -r "$A" "$T/unread"
mkdir "$T/unread/speakers.jsonl"
run -f "$T/unread" -o "$T/x" --layoutMode 3; exp "speakers.jsonl that is not a file: 74" 74 "speakers.jsonl"
REC=$AGREC_BUILD/agrec-record
"$REC" --channel c --keepLastFrame 2 >/dev/null 2>"$T/e"; RC=$?
exp "agrec-record --keepLastFrame 2: 64" 64 "keepLastFrame: '2'"
"$REC" --channel c --speakerHold x >/dev/null 2>"$T/e"; RC=$?
exp "agrec-record --speakerHold x: 64" 64 "speakerHold: 'x'"
"$REC" --channel c --layoutMode 4 >/dev/null 2>"$T/e"; RC=$?
exp "agrec-record --layoutMode 4: 64" 64 "layoutMode: '4': not a whole number in 0..3"
