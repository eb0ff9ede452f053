#!/usr/bin/env bash
# The recorder checks what the disk answers when it closes its files:
# failed fsyncs of media files and event logs are reported (not ignored),
# and a txt line that fails half-way reports the disk's own error
# (ENOSPC, not a stale errno), stops the recording as a full disk does,
# and leaves no half line.  The faults come from tests/tools/faultfs.c
# (LD_PRELOAD), on chosen files only.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/probe.sh"
. "$(dirname "$0")/../lib/rec.sh"
need ffmpeg ffprobe
fault_shim
# Under AddressSanitizer (make check-san) the shim comes before ASan's
# runtime in the preload list; ASan allows that when told to.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0

# 1. fsync fails (EIO) for uid 7345's media files and txt.
port=$(free_port)
mkdir -p "$T/s"
LD_PRELOAD=$T/faultfs.so FAULT_FSYNC=7345_:uid_7345_ \
	rec_start s --channel syncfail --recordFileRootDir "$T/s" --listen "127.0.0.1:$port" --idle 60 || exit 1
send_av "$port" 3 7345 0x11111111 0x22222222
rec_stop
v=$(ls "$REC_DIR"/7345_*.mp4 2>/dev/null | head -n 1) txt=$(txt_of "$REC_DIR" 7345 | head -n 1)
if [ -n "$v" ] && [ -n "$txt" ]; then
	grep -qF "${v##*/}: Input/output error" "$T/s.err" && t_pass "fsync fails: the video file's error is reported" \
		|| t_fail "fsync fails: the video file's error is reported" "$(tail -n 4 "$T/s.err" | tr '\n' ' ')"
	grep -qF "${txt##*/}: Input/output error" "$T/s.err" && t_pass "fsync fails: the txt's error is reported" \
		|| t_fail "fsync fails: the txt's error is reported" "$(tail -n 4 "$T/s.err" | tr '\n' ' ')"
	d=$(probe_dur "$v" v) c=$(probe_stream_field "$v" v codec_name) w=$(probe_stream_field "$v" v width)
	[ "$c" = h264 ] && [ "$w" = 320 ] && fnear "$d" 3 0.5 && t_pass "fsync fails: the video file itself plays ($c ${w}px, $d s)" \
		|| t_fail "fsync fails: the video file itself plays" "codec '$c', width '$w', $d s"
else
	t_fail "fsync fails: a recording for uid 7345" "$(ls "$REC_DIR" | tr '\n' ' '); $(tail -n 3 "$T/s.err" | tr '\n' ' ')"
fi

# 2. The disk fills up in the middle of uid 7346's first txt line.
port=$(free_port)
mkdir -p "$T/w"
LD_PRELOAD=$T/faultfs.so FAULT_WRITE=uid_7346_ \
	rec_start w --channel writefail --recordFileRootDir "$T/w" --listen "127.0.0.1:$port" --idle 60 || exit 1
send_av "$port" 3 7346 0x33333333 0x44444444 & s=$!
PIDS+=("$s")
rec_wait 30
kill "$s" 2>/dev/null; wait "$s" 2>/dev/null
[ "$REC_RC" = 74 ] && t_pass "txt write fails: the recorder stops as on a full disk (74)" \
	|| t_fail "txt write fails: the recorder stops as on a full disk (74)" "status $REC_RC: $(tail -n 3 "$T/w.err" | tr '\n' ' ')"
first=$(grep -m 1 -F "cannot write the" "$T/w.err")
case $first in
*"No space left on device") t_pass "txt write fails: the message carries ENOSPC" ;;
*) t_fail "txt write fails: the message carries ENOSPC" "first message: '${first:-none}'" ;;
esac
txt=$(txt_of "$REC_DIR" 7346 | head -n 1)
if [ -z "$txt" ]; then
	t_fail "txt write fails: no half line" "no txt: $(ls "$REC_DIR" | tr '\n' ' ')"
elif [ ! -s "$txt" ] || [ "$(tail -c 1 "$txt" | od -An -c | tr -d ' ')" = '\n' ]; then
	t_pass "txt write fails: no half line ($(stat -c %s "$txt") bytes)"
else
	t_fail "txt write fails: no half line" "ends in '$(tail -n 1 "$txt")'"
fi
