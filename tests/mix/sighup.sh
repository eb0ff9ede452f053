#!/usr/bin/env bash
# --layout FILE and SIGHUP: a custom layout is swapped in the middle of a
# folder run, and the frames after the signal show the new placement and
# the new layout's watermark; a bad file on reload keeps the old layout.
#
# No wall clock: 101's video decoder (through an AGREC_FFMPEG wrapper)
# hands its frames over in steps, 0-2 s, 2-4 s, then the rest, each step
# once the test opens it, so the composite cannot run past a closed gate.
# Where the composite stands is read from agrec-mix's own answer to each
# SIGHUP ("... at S s"): the bad file is sent until the answer is at
# 1.8 s or later (at most 1.93 s, the gate), the good one once it is at
# 3 s or later (at most 3.93 s).
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/probe.sh"
. "$(dirname "$0")/lib.sh"
need ffmpeg ffprobe jq
[ -x "$MIX" ] || { t_fail "agrec-mix is built" "no $MIX"; exit 1; }
F=$T/rec
mkfolder "$F"
TS=20240301101500120
cat >"$T/ffmpeg-gate" <<EOS
#!/usr/bin/env bash
# agrec-mix's children: the decoder of 101's video writes 30 frames, 30
# more once $T/open1 exists, the rest once $T/open2 exists.
gate() {	# gate FRAME-BYTES
	local f i
	head -c \$((30 * \$1)) || exit 1
	for f in open1 open2; do
		for i in \$(seq 1 600); do [ -e "$T/\$f" ] && break; sleep 0.1; done
		[ -e "$T/\$f" ] || exit 1
		[ \$f = open2 ] || head -c \$((30 * \$1)) || exit 1
	done
	exec cat
}
case " \$* " in
*"/101_$TS.mp4 "*" pipe:1 ")
	[[ " \$* " =~ scale=([0-9]+):([0-9]+) ]] || exit 99
	exec ffmpeg "\$@" > >(gate \$((BASH_REMATCH[1] * BASH_REMATCH[2] * 3 / 2)))
	;;
esac
exec ffmpeg "\$@"
EOS
chmod +x "$T/ffmpeg-gate"
left='{"regions": [{"uid": 101, "x": 0, "y": 0, "width": 0.5, "height": 1}, {"uid": 102, "x": 0.5, "y": 0, "width": 0.5, "height": 1}]}'
# the new layout brings an image watermark (relative to the layout's folder)
ffmpeg -nostdin -v error -y -f lavfi -i color=c=yellow:s=40x40 -frames:v 1 "file:$T/yellow.png"
right='{"regions": [{"uid": 102, "x": 0, "y": 0, "width": 0.5, "height": 1}, {"uid": 101, "x": 0.5, "y": 0, "width": 0.5, "height": 1}],
  "watermarks": [{"type": "image", "image": "yellow.png", "x": 0, "y": 0}]}'
bad='{"regions": [{"uid": 101, "x": 0.5, "width": 0.7}]}'	# x+w > 1, no y
printf '%s\n' "$left" >"$T/layout.json"
AGREC_FFMPEG=$T/ffmpeg-gate "$MIX" -f "$F" -o "$T/out" --exclude 103 --layout "$T/layout.json" \
	--mixResolution 640,360,15,500 >"$T/out.txt" 2>"$T/err" &
pid=$!

nhup() { grep -c 'SIGHUP: ' "$T/err"; }
more_hups() { [ "$(nhup)" -gt "$1" ]; }
# hup: SIGHUP agrec-mix and wait for its answer; HUP_LINE is the answer,
# HUP_AT the time in the composite it gives.
hup() {
	local n
	n=$(nhup)
	kill -HUP "$pid" 2>/dev/null || return 1
	wait_for 30 more_hups "$n" || return 1
	HUP_LINE=$(grep 'SIGHUP: ' "$T/err" | tail -n 1)
	HUP_AT=$(sed -n 's/.* at \([0-9][0-9.]*\) s$/\1/p' <<<"$HUP_LINE")
	[ -n "$HUP_AT" ]
}
# hup_until S: SIGHUP until the answer is at S s or later (the gate
# ahead stops the composite before it can pass that time unseen).
hup_until() {
	local i
	for i in $(seq 1 200); do
		hup || return 1
		fgt "$HUP_AT" "$(awk -v s="$1" 'BEGIN { print s - 0.001 }')" && return 0
	done
	return 1
}

tb= tg=
if ! wait_for 60 grep -q 'users, .* clips' "$T/err"; then	# the signal handlers are set by then
	t_fail "agrec-mix starts" "$(cat "$T/err")"
else
	printf '%s\n' "$bad" >"$T/layout.json"
	if hup_until 1.8 && [[ $HUP_LINE == *'layout.json'*'keeping the current layout at '* ]]; then
		tb=$HUP_AT
		t_pass "bad layout on SIGHUP: reported, the old one kept"
	else
		t_fail "bad layout on SIGHUP" "last answer '${HUP_LINE:-none}'; $(tail -n 3 "$T/err")"
	fi
	: >"$T/open1"
	if [ -n "$tb" ] && hup_until 3; then
		printf '%s\n' "$right" >"$T/layout.json"
		if hup && [[ $HUP_LINE == *'layout '*'layout.json reloaded (2 regions) at '* ]]; then
			tg=$HUP_AT
			t_pass "SIGHUP: reload logged"
		else
			t_fail "reload logged" "answer '${HUP_LINE:-none}'; $(tail -n 3 "$T/err")"
		fi
	else
		t_fail "the composite passes 3 s" "$(tail -n 3 "$T/err")"
	fi
fi
: >"$T/open2"
if wait_for 120 eval '! kill -0 "$pid" 2>/dev/null'; then
	wait "$pid"; rc=$?
else
	kill -9 "$pid"; wait "$pid"; rc=timeout
fi
M=$T/out/0_$TS.mp4
[ "$rc" = 0 ] && t_pass "folder run with --layout and SIGHUPs exits 0" || t_fail "exit" "$rc $(cat "$T/err")"
expect_media "the composite: 6 s of 640x360 15 fps" "$M" v 6 640 360 15
# the gates put the bad file in [1.8, 1.94] s and the good one in [3, 3.94] s
if [ -n "$tb" ] && [ -n "$tg" ] && fgt "$tb" 1.79 && flt "$tb" 1.94 && fgt "$tg" 2.99 && flt "$tg" 3.94; then
	t_pass "the reloads happened where the gates put them"
else
	t_fail "the reloads happened where the gates put them" "bad file at ${tb:-?} s, want 1.8-1.93; good at ${tg:-?} s, want 3-3.93"
fi
expect_colour "before SIGHUP (1.5 s): 101 red on the left" "$M" 1.5 160 180 red
expect_colour "before SIGHUP (1.5 s): 102 green on the right" "$M" 1.5 480 180 "0 128 0"
expect_colour "after the bad file (2.6 s): still the old placement" "$M" 2.6 160 180 red
expect_colour "after the bad file (2.6 s): 102 still on the right" "$M" 2.6 480 180 "0 128 0"
expect_colour "after SIGHUP (4.2 s): 101 red on the right" "$M" 4.2 480 180 red
expect_colour "after SIGHUP (5 s): 101 red on the right" "$M" 5 480 180 red
expect_colour "after SIGHUP (5 s): 102 green on the left" "$M" 5 160 180 "0 128 0"
expect_colour "before SIGHUP (1.5 s): no watermark at the top left" "$M" 1.5 20 20 red
expect_colour "after SIGHUP (5 s): the new layout's image watermark" "$M" 5 20 20 yellow
