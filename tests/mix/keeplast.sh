#!/usr/bin/env bash
# agrec-mix --keepLastFrame: a user whose video stops while the user keeps
# a region shows the last frame with 1, the background with 0 (default):
#   - live: uid 2001 (red) mutes its video at 3.0 s (a mute record, and
#     its frames stop; late enough for the live decoder to be up to speed
#     on a loaded machine; the mute applies at its own time, however far
#     ahead of the picture it is read: red 0.2 s before it);
#   - folder: uid 101's video (red) ends at 2.0 s, its audio goes on to 4 s.
# Layout 1 (best-fit): one user fills the 640x360 canvas.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/probe.sh"
. "$(dirname "$0")/lib.sh"
need ffmpeg ffprobe
[ -x "$MIX" ] || { t_fail "agrec-mix is built" "no $MIX"; exit 1; }
RES=(--mixResolution 640,360,15,500 --layoutMode 1)

# expect_seq NAME FILE "T COLOUR"...: the canvas centre at each time.
expect_seq() {
	local name=$1 f=$2 ts=() want=() i=0 got c
	shift 2
	for c; do ts+=("${c%% *}"); want+=("${c#* }"); done
	[ -s "$f" ] || { t_fail "$name" "no file $f"; return; }
	while read -r got; do
		if ! is_colour "$got" "${want[$i]}"; then
			t_fail "$name" "centre at ${ts[$i]} s is '$got', want ${want[$i]}"; return
		fi
		i=$((i + 1))
	done < <(rgb_frames "$f" 320 180 "${ts[@]}")
	[ "$i" = "${#ts[@]}" ] && t_pass "$name" || t_fail "$name" "$i of ${#ts[@]} frames decoded"
}

S=$T/s.bin
"$(dirname "$0")/mkstream" "$S" 1 5 mute=2001@3000 2>"$T/mk.err" || { t_fail "mkstream with a mute" "$(cat "$T/mk.err")"; exit 1; }
for k in 0 1; do
	"$MIX" -q -i "$S" -o "$T/live$k" "${RES[@]}" --keepLastFrame $k >/dev/null 2>"$T/e$k"; rc=$?
	M=$(ls "$T"/live$k/0_*.mp4 2>/dev/null)
	d=$(probe_dur "$M" v); p=$(media_problems "$M" v "$d" 640 360 15 2>/dev/null)
	[ "$rc" = 0 ] && [ -z "$p" ] && fnear "$d" 5.1 0.3 && t_pass "live --keepLastFrame $k: exit 0, 640x360 15 fps, $d s" \
		|| t_fail "live --keepLastFrame $k" "exit $rc, $d s $p $(tail -n 2 "$T/e$k")"
done
expect_seq "live --keepLastFrame 0: muted video shows the background" "$T"/live0/0_*.mp4 "2.8 red" "3.4 bg" "4.5 bg"
expect_seq "live --keepLastFrame 1: muted video keeps its last frame" "$T"/live1/0_*.mp4 "2.8 red" "3.4 red" "4.5 red"

F=$T/rec
mkdir -p "$F"
ff=(ffmpeg -nostdin -v error -y)
"${ff[@]}" -f lavfi -i "color=c=red:s=320x180:r=15:d=2" -c:v libx264 -profile:v baseline -preset ultrafast \
	-g 30 -pix_fmt yuv420p -threads 1 "file:$F/101_20240301101500120.mp4" &
"${ff[@]}" -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=4" -c:a aac -b:a 48k -ac 1 -f adts \
	"file:$F/101_20240301101500120.aac" &
wait
printf '0.000 101_20240301101500120.aac create \n0.000 101_20240301101500120.mp4 create \n0.000 101_20240301101500120.mp4 info width=320 height=180 rotation=0\n2.000 101_20240301101500120.mp4 close \n4.000 101_20240301101500120.aac close \n' \
	>"$F/uid_101_20240301101500120.txt"
printf '<version>2.0</version>\n<tag></tag>\n<channel name>keep</channel name>\n' >"$F/metadata.txt"
: >"$F/recording2-done.txt"
for k in 0 1; do
	"$MIX" -q -f "$F" -o "$T/off$k" "${RES[@]}" --keepLastFrame $k >/dev/null 2>"$T/f$k"; rc=$?
	M=$(ls "$T"/off$k/0_*.mp4 2>/dev/null)
	d=$(probe_dur "$M" v); p=$(media_problems "$M" v "$d" 640 360 15 2>/dev/null)
	[ "$rc" = 0 ] && [ -z "$p" ] && fnear "$d" 4 0.2 && t_pass "folder --keepLastFrame $k: exit 0, 4 s of video" \
		|| t_fail "folder --keepLastFrame $k" "exit $rc, $d s $p $(tail -n 2 "$T/f$k")"
done
expect_seq "folder --keepLastFrame 0: after the video's close, the background" "$T"/off0/0_*.mp4 "1.5 red" "2.2 bg" "3.8 bg"
expect_seq "folder --keepLastFrame 1: after the video's close, its last frame" "$T"/off1/0_*.mp4 "1.5 red" "2.2 red" "3.8 red"
