#!/usr/bin/env bash
# agrec-record's command line: the Agora option forms, bad values (64),
# a bad config (65), a missing ffmpeg (69), a busy port (74), idle exit,
# Recording_Dir.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/probe.sh"
. "$(dirname "$0")/../lib/rec.sh"
need ffmpeg
R=$RECORD
usage() {	# usage NAME ARGS...: must exit 64 with a message and nothing on stdout
	local name=$1 out rc; shift
	out=$("$R" "$@" 2>"$T/err"); rc=$?
	if [ "$rc" = 64 ] && [ -z "$out" ] && [ -s "$T/err" ]; then t_pass "usage: $name"
	else t_fail "usage: $name" "exit $rc, stdout '$out', stderr $(head -n 1 "$T/err")"; fi
}
usage "no --channel" --idle 10
usage "channel with a slash" --channel 'a/b'
usage "channel ../x" --channel '../x'
usage "empty channel" --channel ''
usage "65-byte channel" --channel "$(printf 'x%.0s' $(seq 1 65))"
usage "channel with a newline" --channel "$(printf 'a\nb')"
usage "--idle 2 (minimum 3)" --channel c --idle 2
usage "--idle abc" --channel c --idle abc
usage "audio-only and video-only" --channel c --isAudioOnly 1 --isVideoOnly 1
usage "--getAudioFrame 4" --channel c --getAudioFrame 4
usage "--getVideoFrame -1" --channel c --getVideoFrame -1
usage "mixing with raw video 1" --channel c --isMixingEnabled 1 --getVideoFrame 1
usage "--captureInterval 0" --channel c --captureInterval 0
usage "--rawFifo 2" --channel c --rawFifo 2
usage "missing --defaultVideoBg picture" --channel c --isMixingEnabled 1 --defaultVideoBg /nonexistent.jpg
usage "bad --mixResolution fps" --channel c --mixResolution 360,640,0,500
usage "unknown option" --channel c --frobnicate 1
usage "stray argument" --channel c extra
usage "bad --pt" --channel c --pt 96=H266/90000
usage "bad --listen" --channel c --listen nowhere
usage "bad mixResolution" --channel c --mixResolution 360,640
usage "port range too small" --channel c --lowUdpPort 40000 --highUdpPort 40002
"$R" --help >"$T/help" && grep -q -- '--recordFileRootDir' "$T/help" && t_pass "--help on stdout, exit 0" || t_fail "--help" ""
"$R" -version | grep -qE '^agrec-record [0-9]' && t_pass "-version (single dash, like the SDK sample)" || t_fail "-version" ""
echo '{"Recording_Dir": ' >"$T/bad.json"
"$R" --channel c --cfgFilePath "$T/bad.json" >/dev/null 2>"$T/err"; rc=$?
[ "$rc" = 65 ] && grep -q 'bad.json' "$T/err" && t_pass "invalid config JSON: 65" || t_fail "invalid config JSON" "exit $rc $(cat "$T/err")"
AGREC_FFMPEG=/nonexistent/ffmpeg "$R" --channel c >/dev/null 2>"$T/err"; rc=$?
[ "$rc" = 69 ] && t_pass "missing ffmpeg: 69" || t_fail "missing ffmpeg: 69" "exit $rc"
mkdir -p "$T/nomix"
AGREC_MIX=/nonexistent/agrec-mix "$R" --channel c --isMixingEnabled 1 --recordFileRootDir "$T/nomix" >/dev/null 2>"$T/err"; rc=$?
[ "$rc" = 69 ] && grep -q agrec-mix "$T/err" && [ -z "$(ls -A "$T/nomix")" ] && t_pass "composite without agrec-mix: 69, no folder" \
	|| t_fail "composite without agrec-mix" "exit $rc $(cat "$T/err") $(ls -R "$T/nomix")"

# Idle exit with nobody in the channel; the three option forms; Recording_Dir.
port=$(free_port)
printf '{"Recording_Dir": "%s/direct", "Avsync_Type": "2"}\n' "$T" >"$T/cfg.json"
rec_start idle -channel idle_chan --idle=3 "--listen=127.0.0.1:$port" -cfgFilePath "$T/cfg.json" \
	|| { t_fail "starts with -name, --name=value and --name value" "$(cat "$T/idle.err")"; exit 1; }
t_pass "starts with -name, --name=value and --name value"
grep -q "ignoring key 'Avsync_Type'" "$T/idle.err" && t_pass "unknown config keys are warned about" || t_fail "config key warning" "$(cat "$T/idle.err")"
[ "$REC_DIR" = "$T/direct" ] && t_pass "Recording_Dir: files go directly there" || t_fail "Recording_Dir" "$REC_DIR"
# A second recorder on the same port: 74.
"$R" --channel other --listen "127.0.0.1:$port" --recordFileRootDir "$T" >/dev/null 2>"$T/err"; rc=$?
[ "$rc" = 74 ] && t_pass "busy port: 74" || t_fail "busy port: 74" "exit $rc $(cat "$T/err")"
# When it left is read from its own log (seconds since its start), not
# from the wall clock of a loaded machine: 3 s at least, well before 30.
rec_wait 60
at=$(sed -n 's/^\([0-9][0-9.]*\) idle for 3 s: leaving$/\1/p' "$T/direct/recording.log")
[ "$REC_RC" = 0 ] && fgt "$at" 2.999 && flt "$at" 6 && t_pass "idle exit after 3 s with status 0" \
	|| t_fail "idle exit" "status $REC_RC, left at '${at:-never}' s by its log: $(tail -n 3 "$T/direct/recording.log" 2>/dev/null)"
[ -f "$T/direct/recording2-done.txt" ] && [ -f "$T/direct/metadata.txt" ] && t_pass "idle: folder finished" || t_fail "idle: folder finished" "$(ls "$T/direct")"
# Automatic mode ignores SIGUSR1 (the SDK sample died of it).
port=$(free_port)
rec_start usr --channel usr --recordFileRootDir "$T/u" --listen "127.0.0.1:$port" --idle 30 || exit 1
kill -USR1 "$REC_PID"; kill -USR2 "$REC_PID"
wait_for 30 rec_logged "$REC_DIR" 'SIGUSR2 ignored' && rec_logged "$REC_DIR" 'SIGUSR1 ignored' \
	&& t_pass "SIGUSR1 and SIGUSR2 logged and ignored" || t_fail "SIGUSR1/2 logged" "$(cat "$REC_DIR/recording.log")"
kill -0 "$REC_PID" && t_pass "automatic mode survives SIGUSR1/SIGUSR2" || t_fail "survives SIGUSR1" ""
rec_stop
[ "$REC_RC" = 0 ] && t_pass "then stops on SIGTERM with status 0" || t_fail "SIGTERM after SIGUSR1" "status $REC_RC"
