#!/usr/bin/env bash
# agrec-mix live on a loaded machine: the stream is read ahead of the
# picture, yet joins, leaves and mutes take effect at their own time on the
# output clock.  Two users (2001 red left, 2002 blue right, 440 Hz each)
# from 0 to 3.0 s of composite time, 2001's video muted at 1.0 s; layout 1.
#   - a file at --latency 1000: red until 1.0 s (the mute record is read
#     1 s ahead of its picture), blue until 3.0 s (the leave too);
#   - a pipe fed at real time while the composite's encoder is stopped
#     (SIGSTOP, as a loaded machine would starve it) until the whole
#     stream has been read: the same picture, and the sound after the
#     stall;
#   - live decoders that fail are said with --quiet, counted (exit 1) and
#     started again at the next keyframe.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/probe.sh"
. "$(dirname "$0")/lib.sh"
need ffmpeg ffprobe python3
[ -x "$MIX" ] || { t_fail "agrec-mix is built" "no $MIX"; exit 1; }
RES=(--mixResolution 320,180,15,300 --layoutMode 1)
SEQ=("0.4 red blue" "0.9 red blue" "1.3 bg blue" "2.7 bg blue" "3.05 bg bg")

# expect_lr NAME FILE "T LEFT RIGHT"...: the colours of the left and right
# halves' centres at each time (LEFT "any": not checked).
expect_lr() {
	local name=$1 f=$2 ts=() l=() r=() i=0 c gl gr
	shift 2
	for c; do read -r a b d <<<"$c"; ts+=("$a"); l+=("$b"); r+=("$d"); done
	[ -s "$f" ] || { t_fail "$name" "no file $f"; return; }
	mapfile -t gl < <(rgb_frames "$f" 80 90 "${ts[@]}")
	mapfile -t gr < <(rgb_frames "$f" 240 90 "${ts[@]}")
	[ "${#gl[@]}" = "${#ts[@]}" ] && [ "${#gr[@]}" = "${#ts[@]}" ] \
		|| { t_fail "$name" "${#gl[@]}/${#gr[@]} of ${#ts[@]} frames decoded"; return; }
	for ((i = 0; i < ${#ts[@]}; i++)); do
		if { [ "${l[$i]}" != any ] && ! is_colour "${gl[$i]}" "${l[$i]}"; } || ! is_colour "${gr[$i]}" "${r[$i]}"; then
			t_fail "$name" "at ${ts[$i]} s: left '${gl[$i]}' right '${gr[$i]}', want ${l[$i]} ${r[$i]}"
			return
		fi
	done
	t_pass "$name"
}

# --- a mute read 2 s ahead of its picture
S=$T/m.bin
"$(dirname "$0")/mkstream" "$S" 2 3 colors=red,blue mute=2001@1000 2>"$T/mk.err" \
	|| { t_fail "mkstream" "$(cat "$T/mk.err")"; exit 1; }
"$MIX" -q -i "$S" -o "$T/lat" "${RES[@]}" --latency 1000 >/dev/null 2>"$T/lat.err"; rc=$?
M=$(ls "$T"/lat/0_*.mp4 2>/dev/null)
d=$(probe_dur "$M" v); p=$(media_problems "$M" v "$d" 320 180 15 2>/dev/null)
[ "$rc" = 0 ] && [ -z "$p" ] && fnear "$d" 3.1 0.3 && t_pass "--latency 1000: exit 0, 320x180 15 fps, $d s" \
	|| t_fail "--latency 1000" "exit $rc, $d s $p $(tail -n 2 "$T/lat.err")"
expect_lr "--latency 1000: the mute at 1.0 s and the leave at 3.0 s apply at their time" "$M" "${SEQ[@]}"

# --- the encoder starved while the stream is read
# the composite's encoder (raw video in at -framerate) stops itself until continued
cat >"$T/ffmpeg" <<EOF
#!/bin/sh
case " \$* " in *" -framerate "*) echo \$\$ >"$T/enc.pid.tmp"; mv "$T/enc.pid.tmp" "$T/enc.pid"; kill -STOP \$\$ ;; esac
exec ffmpeg "\$@"
EOF
chmod +x "$T/ffmpeg"
# feed.py STREAM FED GO: STREAM on stdout at the pace of its media times,
# but for its end record; once the reader has taken every byte (FIONREAD
# of the pipe is 0), FED is created; the end record follows GO.
cat >"$T/feed.py" <<'EOF'
import fcntl, os, struct, sys, termios, time
d = open(sys.argv[1], "rb").read()
out = sys.stdout.buffer
def wait(cond, secs):
    end = time.monotonic() + secs
    while not cond():
        if time.monotonic() > end:
            sys.exit("feed.py: timed out")
        time.sleep(0.05)
def unread():
    return struct.unpack("i", fcntl.ioctl(1, termios.FIONREAD, b"\0\0\0\0"))[0]
out.write(d[:16])
i, t0, m0, last = 16, None, time.monotonic(), b""
while i < len(d):
    n, typ, _ = struct.unpack("<IHH", d[i:i + 8])
    r, i = d[i:i + 8 + n], i + 8 + n
    if typ == 8:
        last = r
        continue
    if typ in (3, 6):
        t = struct.unpack("<q", r[8:16])[0]
        t0 = t if t0 is None else t0
        w = m0 + (t - t0) / 1e6 - time.monotonic()
        if w > 0:
            time.sleep(w)
    out.write(r)
    out.flush()
wait(lambda: unread() == 0, 20)
open(sys.argv[2], "w").close()
wait(lambda: os.path.exists(sys.argv[3]), 20)
out.write(last)
EOF
python3 "$T/feed.py" "$S" "$T/fed" "$T/go" | AGREC_FFMPEG=$T/ffmpeg "$MIX" -q -i - -o "$T/load" "${RES[@]}" \
	>/dev/null 2>"$T/load.err" &
mixpid=$!
PIDS+=("$mixpid")
wait_for 20 test -s "$T/enc.pid" || t_fail "the encoder started" "no $T/enc.pid"
wait_for 20 test -e "$T/fed" && t_pass "the whole stream read while the encoder is stopped" \
	|| t_fail "the stream read" "$(tail -n 3 "$T/load.err")"
kill -CONT "$(cat "$T/enc.pid")"
: >"$T/go"
wait_for 30 pids_gone "$mixpid" || { kill -9 "$mixpid"; t_fail "agrec-mix ends" "still running"; }
wait "$mixpid"; rc=$?
M=$(ls "$T"/load/0_*.mp4 2>/dev/null) A=$(ls "$T"/load/0_*.aac 2>/dev/null)
d=$(probe_dur "$M" v); p=$(media_problems "$M" v "$d" 320 180 15 2>/dev/null)
[ "$rc" = 0 ] && [ -z "$p" ] && fnear "$d" 3.1 0.3 && t_pass "starved encoder: exit 0, 320x180 15 fps, $d s" \
	|| t_fail "starved encoder" "exit $rc, $d s $p $(tail -n 2 "$T/load.err")"
expect_lr "starved encoder: the users, their mute and leave at their time after the stall" "$M" "${SEQ[@]}"
expect_tone_at "starved encoder: their 440 Hz after the stall" "$A" 1.0 1.8 440 yes

# --- live decoders that fail (the first two video ones to run: both users'
# first, or one user's first and its replacement) are said with --quiet
# and counted (exit 1); each is replaced at its user's next keyframe (2.0
# s at the latest for 2002, whose video goes on; 2001's stops at its
# mute); --latency 2000 gives the new decoder time to start when loaded
cat >"$T/ffbad" <<EOF
#!/bin/sh
case " \$* " in *" matroska "*" 0:v:0 "*)
	mkdir "$T/bad1" 2>/dev/null && exit 3
	mkdir "$T/bad2" 2>/dev/null && exit 3 ;;
esac
exec ffmpeg "\$@"
EOF
chmod +x "$T/ffbad"
AGREC_FFMPEG=$T/ffbad "$MIX" -q -i "$S" -o "$T/bad" "${RES[@]}" --latency 2000 >/dev/null 2>"$T/bad.err"; rc=$?
n=$(grep -c 'uid 200[12] video: the decoder exited with status 3' "$T/bad.err")
[ "$rc" = 1 ] && [ "$n" = 2 ] && grep -q '2 decoder(s) failed: their users are missing' "$T/bad.err" \
	&& t_pass "failed live decoders: each said with --quiet, counted, exit 1" \
	|| t_fail "failed live decoders" "exit $rc: $(head -c 400 "$T/bad.err")"
grep -Eq 'uid 200[12] video: a new decoder from [0-9.]+ s \(restart [12] of at most 3\)' "$T/bad.err" \
	&& t_pass "failed live decoders: a new one started (said)" || t_fail "decoder restart" "$(head -c 400 "$T/bad.err")"
expect_lr "failed live decoders: 2002 back after its restart" "$T"/bad/0_*.mp4 "2.7 any blue"
