#!/usr/bin/env bash
# agrec-mix on bad input: usage errors (64), a folder without txt files
# (65), layout files with errors (65, line and field named), a uid the
# recording does not have (a warning; its region shows the background),
# missing images (66), a corrupt or truncated stream (65, files so far
# playable).
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/probe.sh"
. "$(dirname "$0")/lib.sh"
need ffmpeg ffprobe
[ -x "$MIX" ] || { t_fail "agrec-mix is built" "no $MIX"; exit 1; }
F=$T/rec
mkfolder "$F"
TS=20240301101500120
run() { "$MIX" "$@" >"$T/o" 2>"$T/e"; RC=$?; }
exp() {	# exp NAME RC PATTERN
	if [ "$RC" = "$2" ] && grep -q -- "$3" "$T/e"; then t_pass "$1"; else t_fail "$1" "exit $RC: $(head -c 300 "$T/e")"; fi
}
run -f "$F" --mixResolution 360,640,15; exp "--mixResolution with 3 numbers: 64" 64 'mixResolution'
run -f "$F" --mixResolution 360,640,15,500,1; exp "--mixResolution with 5 numbers: 64" 64 'mixResolution'
run -f "$F" -mixResolution 36x,640,15,500; exp "-mixResolution (one dash) not a number: 64" 64 'W,H,FPS,KBPS'
run -f "$F" --layoutMode 4; exp "--layoutMode 4: 64" 64 "layoutMode: .4.: not a whole number in 0..3"
run --isAudioOnly 1; exp "stream input without -o: 64" 64 '-o DIR'
run -f "$F" --bogus 1; exp "unknown option: 64" 64 'unknown option'
run --help; [ "$RC" = 0 ] && grep -q '^usage: agrec-mix' "$T/o" && t_pass "--help: usage on stdout, 0" || t_fail "--help" "$RC"
mkdir -p "$T/empty"
run -f "$T/empty"; exp "-f on a folder without txt files: 65" 65 'no uid_\*.txt'
run -f "$T/nonexistent"; exp "-f on a missing folder: 74" 74 'nonexistent'
run -f "$F" -o "$T/x" --defaultVideoBg "$T/nothere.jpg"; exp "missing --defaultVideoBg image: 66" 66 'defaultVideoBg'
printf 'not an image' >"$T/bad.jpg"
run -f "$F" -o "$T/x" --defaultUserBg "$T/bad.jpg"; exp "undecodable --defaultUserBg image: 65" 65 'defaultUserBg'
printf '{"regions": [\n {"uid": 101, "x": 0, "y": 0, "width": 0.5, "height": 1},\n {"uid": 102, "x": 0.7, "y": 0, "width": 0.5, "height": 1}\n]}\n' >"$T/out.json"
run -f "$F" -o "$T/x" --layout "$T/out.json"; exp "layout region outside the canvas: 65 naming the line and field" 65 'out.json:3.*regions\[1\]'
# uid 999 is not in the recording: a warning, and its region is background
printf '{"regions": [{"uid": 999, "x": 0, "y": 0, "width": 0.5, "height": 1}, {"uid": 101, "x": 0.5, "y": 0, "width": 0.5, "height": 1}]}\n' >"$T/u.json"
run -f "$F" -o "$T/u" --layout "$T/u.json" --mixResolution 640,360,15,500
[ "$RC" = 0 ] && grep -q 'uid 999 is not in the recording' "$T/e" && t_pass "unknown uid in a layout: warning, exit 0" \
	|| t_fail "unknown uid in a layout" "exit $RC $(cat "$T/e")"
expect_colour "unknown uid's region shows the background" "$T/u/0_$TS.mp4" 1 160 180 bg
expect_colour "the known uid's region shows it" "$T/u/0_$TS.mp4" 1 480 180 red

# A channel stream, written by hand with the recorder's own writer is not
# at hand here: make one from the folder with agrec-record --emit?  No
# network needed: tests/mix/mkstream builds a valid stream of one user.
S=$T/s.bin
if ! "$(dirname "$0")/mkstream" "$S" 2>"$T/e"; then
	t_fail "mkstream" "$(cat "$T/e")"; exit 0
fi
run -i - -o "$T/ok" --mixResolution 640,360,15,500 <"$S"
M=$(ls "$T"/ok/0_*.mp4 2>/dev/null)
p=$(media_problems "$M" v 4.1 640 360)	# 4 s of media, joining at 0.2 s
[ "$RC" = 0 ] && [ -n "$M" ] && [ -z "$p" ] \
	&& t_pass "a valid stream on stdin: exit 0, a 4.1 s MP4" || t_fail "valid stream" "exit $RC: $p $(cat "$T/e")"
sz=$(stat -c %s "$S")
head -c $((sz * 2 / 3)) "$S" >"$T/trunc.bin"
printf '\377\377\377\377\006\000\000\000' >>"$T/trunc.bin"
cat "$T/trunc.bin" | { "$MIX" -o "$T/bad" --mixResolution 640,360,15,500 >"$T/o" 2>"$T/e"; echo $? >"$T/rc"; }
RC=$(cat "$T/rc")
exp "corrupt stream: 65 with the offset" 65 'offset'
M=$(ls "$T"/bad/0_*.mp4 2>/dev/null)
# as long as the composite's txt says it was closed, and not empty
c=$(awk '$3 == "close" && $2 ~ /\.mp4$/ { print $1 }' "$T"/bad/uid_0_*.txt 2>/dev/null)
p=$(media_problems "$M" v "${c:-none}" 640 360)
[ -n "$M" ] && fgt "$c" 0 && [ -z "$p" ] && t_pass "corrupt stream: the MP4 so far is playable, as long as its txt says" \
	|| t_fail "corrupt stream: MP4 playable" "'$M' closed at '$c': $p"
head -c $((sz / 2)) "$S" | { "$MIX" -o "$T/cut" >"$T/o" 2>"$T/e"; echo $? >"$T/rc"; }
RC=$(cat "$T/rc")
exp "truncated stream: 65" 65 'offset'

# The same stream as a regular file is replayed at its own pace: the
# picture and the G.711 tone are there.
run -i "$S" -o "$T/paced" --mixResolution 640,360,15,500 --mixedVideoAudio 1
M=$(ls "$T"/paced/0_*.mp4 2>/dev/null)
d=$(probe_dur "$M" v)
[ "$RC" = 0 ] && fnear "$d" 4.1 0.4 && t_pass "-i FILE replayed at its pace: exit 0, ${d} s" || t_fail "-i FILE" "exit $RC dur $d $(cat "$T/e")"
expect_colour "-i FILE: the user's red fills the canvas at 2 s" "$M" 2 320 180 red
expect_tone_at "-i FILE: the mu-law 440 Hz tone is mixed" "$M" 1 2 440 yes
[ "$(basename "$M")" = 0_20240301101500320.mp4 ] && t_pass "-i FILE: named after the channel's wall time + first media (0.2 s)" \
	|| t_fail "stream file name" "$M"

# A decoder that dies (SIGKILL, through an AGREC_FFMPEG wrapper): logged,
# its user shows the background, the rest goes on, exit 1, no hang.
cat >"$T/ffmpeg-dies" <<'EOS'
#!/usr/bin/env bash
case "$*" in *102_20240301101501120.mp4*) exec timeout -s KILL 0.3 ffmpeg -re "$@" ;; esac
exec ffmpeg "$@"
EOS
chmod +x "$T/ffmpeg-dies"
AGREC_FFMPEG=$T/ffmpeg-dies timeout 60 "$MIX" -f "$F" -o "$T/dies" --layoutMode 1 --mixResolution 640,360,15,500 >"$T/o" 2>"$T/e"; RC=$?
exp "a decoder killed: exit 1, reported" 1 '102_20240301101501120.mp4.*killed by signal 9'
M=$T/dies/0_$TS.mp4
p=$(media_problems "$M" v 6.0 640 360 15)
[ -z "$p" ] && t_pass "a decoder killed: the composite is complete (6.0 s)" || t_fail "decoder killed: composite" "$p"
expect_colour "a decoder killed: its user's region shows the background" "$M" 3 480 270 bg
expect_colour "a decoder killed: the others go on" "$M" 3 160 270 red

# An end record whose time is hours away (another clock) does not make
# the composite race through hours of background.
python3 -c '
import struct, sys
s = bytearray(open(sys.argv[1], "rb").read())
assert struct.unpack("<IH", s[-17:-11]) == (9, 8)
s[-9:-1] = struct.pack("<q", 36000 * 1000000)
open(sys.argv[2], "wb").write(s)' "$S" "$T/farend.bin"
run -q -i "$T/farend.bin" -o "$T/farend" --mixResolution 640,360,15,500
M=$(ls "$T"/farend/0_*.mp4 2>/dev/null); d=$(probe_dur "$M" v)
[ "$RC" = 0 ] && flt "$d" 8 && t_pass "an end record 10 h away: the composite stops near the stream's end (${d} s)" \
	|| t_fail "far end record" "exit $RC dur $d"
