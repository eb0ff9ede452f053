#!/usr/bin/env bash
# contrib/systemd: the units pass systemd-analyze verify (pointed at the
# built programs), a broken copy does not, and the example channel
# configuration starts a recorder that SIGTERM stops cleanly.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/rec.sh"
src=$AGREC_TOP/contrib/systemd
if ! command -v systemd-analyze >/dev/null 2>&1; then
	t_skip "systemd units" "systemd-analyze is not installed (apt-get install systemd)"
else
	mkdir -p "$T/u"
	for f in agrec-record@.service agrec-convert.service agrec-convert.timer; do
		sed -e "s#/usr/local/bin/#$AGREC_BUILD/#g" -e "s#/etc/agrec/%i.conf#$T/u/%i.conf#" "$src/$f" >"$T/u/$f"
	done
	cp "$src/agrec-record.conf.example" "$T/u/room1.conf"
	cp "$T/u/agrec-record@.service" "$T/u/agrec-record@room1.service"
	( cd "$T/u" && systemd-analyze verify --man=no ./agrec-record@room1.service ./agrec-convert.service \
		./agrec-convert.timer ) >"$T/verify.out" 2>&1
	rc=$?
	[ $rc = 0 ] && [ ! -s "$T/verify.out" ] && t_pass "systemd-analyze verify: the units are clean" \
		|| t_fail "systemd-analyze verify" "exit $rc: $(head -n 5 "$T/verify.out" | tr '\n' ' ')"
	sed 's/^ExecStart=/ExecStrat=/' "$T/u/agrec-convert.service" >"$T/u/broken.service"
	( cd "$T/u" && systemd-analyze verify --man=no ./broken.service ) >/dev/null 2>&1 \
		&& t_fail "verify catches a broken unit" "a unit without ExecStart passed" || t_pass "verify catches a broken unit"
fi
# The example configuration, as systemd would expand it: ${VAR} one word,
# $AGREC_ARGS split on white space.
conf=$src/agrec-record.conf.example
val() { sed -n "s/^$1=//p" "$conf" | tail -n 1 | sed 's/^"\(.*\)"$/\1/'; }
port=$(free_port)
read -r -a extra <<<"$(val AGREC_ARGS)"
mkdir -p "$T/rec"
rec_start svc --channel "$(val AGREC_CHANNEL)" --listen "127.0.0.1:$port" --recordFileRootDir "$T/rec" \
	--idle "$(val AGREC_IDLE)" "${extra[@]}" || { t_fail "example configuration starts a recorder" "$(cat "$T/svc.err")"; exit 0; }
t_pass "the example configuration starts a recorder"
# The recorder prints its folder once it is set up; its first log line is there.
wait_for 20 rec_logged "$REC_DIR" 'listening on' || t_fail "the recorder logs that it listens" "$(cat "$REC_DIR/recording.log")"
rec_stop
[ "$REC_RC" = 0 ] && [ -f "$REC_DIR/recording2-done.txt" ] && t_pass "SIGTERM (systemctl stop) ends it cleanly: exit 0, recording2-done.txt" \
	|| t_fail "clean stop on SIGTERM" "exit $REC_RC; $(ls "$REC_DIR" 2>&1 | tr '\n' ' ')"
[[ $REC_DIR == *"/room 1_"* ]] && t_pass "a channel name with a space reaches the folder name" || t_fail "channel with a space" "$REC_DIR"
# The cron line and the Kubernetes manifest name options agrec-convert takes.
line=$(grep -v '^#' "$AGREC_TOP/contrib/cron/agrec-convert.cron" | grep agrec-convert)
read -r -a f <<<"$line"
opts=("${f[@]:7}")
mkdir -p "$T/empty"
opts=("${opts[@]/\/var\/lib\/agrec/$T/empty}")
"$CONVERT" "${opts[@]}" >"$T/cron.out" 2>&1; rc=$?
[ $rc = 0 ] && t_pass "the cron line's agrec-convert options are valid (exit 0 on an empty root)" || t_fail "cron line" "exit $rc: $(cat "$T/cron.out")"
k8s=$AGREC_TOP/contrib/kubernetes/agrec-convert.yaml
cmd=$(python3 - "$k8s" <<'PY'
import sys, re
t = open(sys.argv[1]).read()
m = re.search(r'command: \[(.*)\]', t)
print('\n'.join(a.strip().strip('"') for a in m.group(1).split(',')))
PY
)
mapfile -t kargs <<<"$cmd"
kargs=("${kargs[@]/\/recordings/$T/empty}")
[ "${kargs[0]}" = agrec-convert ] && "$CONVERT" "${kargs[@]:1}" >"$T/k8s.out" 2>&1; rc=$?
[ "${kargs[0]}" = agrec-convert ] && [ $rc = 0 ] && t_pass "the Kubernetes CronJob's command is valid" || t_fail "Kubernetes command" "exit $rc: ${kargs[*]} $(cat "$T/k8s.out")"
