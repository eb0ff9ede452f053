#!/usr/bin/env bash
# --layout FILE and SIGHUP: a custom layout is swapped in the middle of a
# slowed-down folder run (the decoders read at the native rate, ffmpeg
# -re, through an AGREC_FFMPEG wrapper), and the frames after the signal
# show the new placement; a bad file on reload keeps the old layout.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/probe.sh"
. "$(dirname "$0")/lib.sh"
need ffmpeg ffprobe jq
[ -x "$MIX" ] || { t_fail "agrec-mix is built" "no $MIX"; exit 1; }
F=$T/rec
mkfolder "$F"
TS=20240301101500120
cat >"$T/ffmpeg-re" <<'EOS'
#!/usr/bin/env bash
# a decoder (output pipe:1) reads its file at the native rate
for a in "$@"; do [ "$a" = pipe:1 ] && exec ffmpeg -re "$@"; done
exec ffmpeg "$@"
EOS
chmod +x "$T/ffmpeg-re"
left='{"regions": [{"uid": 101, "x": 0, "y": 0, "width": 0.5, "height": 1}, {"uid": 102, "x": 0.5, "y": 0, "width": 0.5, "height": 1}]}'
right='{"regions": [{"uid": 102, "x": 0, "y": 0, "width": 0.5, "height": 1}, {"uid": 101, "x": 0.5, "y": 0, "width": 0.5, "height": 1}]}'
printf '%s\n' "$left" >"$T/layout.json"
AGREC_FFMPEG=$T/ffmpeg-re "$MIX" -f "$F" -o "$T/out" --exclude 103 --layout "$T/layout.json" \
	--mixResolution 640,360,15,500 >"$T/out.txt" 2>"$T/err" &
pid=$!
sleep 2.2
printf '{"regions": [{"uid": 101, "x": 0.5, "width": 0.7}]}\n' >"$T/layout.json"	# bad: x+w > 1, no y
kill -HUP "$pid"
sleep 0.8
printf '%s\n' "$right" >"$T/layout.json"
kill -HUP "$pid"
wait "$pid"; rc=$?
M=$T/out/0_$TS.mp4
[ "$rc" = 0 ] && t_pass "slow folder run with --layout exits 0" || t_fail "exit" "$rc $(cat "$T/err")"
grep -q 'SIGHUP: .*layout.json.*keeping the current layout' "$T/err" && t_pass "bad layout on SIGHUP: reported, the old one kept" \
	|| t_fail "bad layout on SIGHUP" "$(cat "$T/err")"
grep -q 'SIGHUP: layout .* reloaded' "$T/err" && t_pass "SIGHUP: reload logged" || t_fail "reload logged" "$(cat "$T/err")"
expect_colour "before SIGHUP (1.5 s): 101 red on the left" "$M" 1.5 160 180 red
expect_colour "before SIGHUP (1.5 s): 102 green on the right" "$M" 1.5 480 180 "0 128 0"
expect_colour "after the bad file (2.6 s): still the old placement" "$M" 2.6 160 180 red
expect_colour "after SIGHUP (5 s): 101 red on the right" "$M" 5 480 180 red
expect_colour "after SIGHUP (5 s): 102 green on the left" "$M" 5 160 180 "0 128 0"
