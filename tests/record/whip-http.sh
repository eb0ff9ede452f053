#!/usr/bin/env bash
# agrec-record's WHIP endpoint (--whip, http.c) over HTTP with curl: the
# refusals of RFC 9725 and agrec-record(1) (401 with WWW-Authenticate,
# 404, 415, 413, 405 with Allow, 400), OPTIONS with the CORS headers,
# the token never logged, and a flood of 1,000 unauthorized POSTs that
# neither grows the recorder nor stops it answering.  Offers that need a
# real WebRTC session (201, 409, 503, DELETE 200) are tested elsewhere.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/rec.sh"
need ffmpeg curl ss

# tcp_port: a TCP port nobody listens on.
tcp_port() {
	local p i
	for i in $(seq 1 50); do
		p=$(( (RANDOM % 15000) + 35000 ))
		if ! ss -Hltn "sport = :$p" 2>/dev/null | grep -q .; then echo "$p"; return 0; fi
	done
	echo 38080
}

port=$(free_port)
hport=$(tcp_port)
key=Tok3n-$RANDOM$RANDOM-secret
mkdir -p "$T/root"
rec_start rec --channel 'room 1' --recordFileRootDir "$T/root" --listen "127.0.0.1:$port" \
	--whip "127.0.0.1:$hport" --channelKey "$key" --idle 120 --logLevel 5 \
	|| { t_fail "recorder starts with --whip" "$(cat "$T/rec.err")"; exit 1; }
base=http://127.0.0.1:$hport
url=$base/whip/room%201
answers() { curl -s -o /dev/null -m 5 -X OPTIONS "$url"; }
wait_for 20 answers && t_pass "the endpoint answers" || { t_fail "the endpoint answers" ""; exit 1; }

# req NAME ARGS...: one request; its status line and headers in $T/NAME.h,
# its body in $T/NAME.b; prints the status.
req() {
	local name=$1; shift
	curl -s -m 10 -D "$T/$name.h" -o "$T/$name.b" -w '%{http_code}' "$@"
}
# expect NAME STATUS ARGS...: the request is answered STATUS.
expect() {
	local name=$1 want=$2 got; shift 2
	got=$(req "$name" "$@")
	[ "$got" = "$want" ] && t_pass "$name: $want" || t_fail "$name: $want" "got $got: $(cat "$T/$name.b" 2>/dev/null)"
}
# header NAME ERE: the response NAME has a header line matching ERE.
header() { tr -d '\r' <"$T/$1.h" | grep -Eqi -- "$2"; }

auth=(-H "Authorization: Bearer $key")
sdp=(-H 'Content-Type: application/sdp')
offer=$'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n'

expect "no token" 401 -X POST "${sdp[@]}" --data-binary "$offer" "$url"
header "no token" '^WWW-Authenticate: Bearer' && t_pass "401 has WWW-Authenticate: Bearer" \
	|| t_fail "401 has WWW-Authenticate: Bearer" "$(cat "$T/no token.h")"
header "no token" '^Content-Type: text/plain' && [ -s "$T/no token.b" ] \
	&& t_pass "an error body is text/plain with the reason" || t_fail "an error body is text/plain" "$(cat "$T/no token.h")"
expect "wrong token" 401 -X POST "${sdp[@]}" -H "Authorization: Bearer ${key}x" --data-binary "$offer" "$url"
expect "basic auth, not bearer" 401 -X POST "${sdp[@]}" -u "u:$key" --data-binary "$offer" "$url"
expect "another channel" 404 -X POST "${sdp[@]}" "${auth[@]}" --data-binary "$offer" "$base/whip/room2"
expect "a path outside the endpoint" 404 -X POST "${sdp[@]}" "${auth[@]}" --data-binary "$offer" "$base/other"
expect "wrong content type" 415 -X POST -H 'Content-Type: text/plain' "${auth[@]}" --data-binary "$offer" "$url"
expect "no content type" 415 -X POST -H 'Content-Type:' "${auth[@]}" --data-binary "$offer" "$url"
head -c $((100 * 1024)) /dev/zero | tr '\0' a >"$T/big"
expect "100 KiB body" 413 -X POST "${sdp[@]}" "${auth[@]}" --data-binary @"$T/big" "$url"
expect "100 KiB chunked body" 413 -X POST "${sdp[@]}" "${auth[@]}" -H 'Transfer-Encoding: chunked' \
	--data-binary @"$T/big" "$url"
expect "uid 0" 400 -X POST "${sdp[@]}" "${auth[@]}" --data-binary "$offer" "$url?uid=0"
expect "uid 4294967296" 400 -X POST "${sdp[@]}" "${auth[@]}" --data-binary "$offer" "$url?uid=4294967296"
expect "uid abc" 400 -X POST "${sdp[@]}" "${auth[@]}" --data-binary "$offer" "$url?uid=abc"
expect "empty offer" 400 -X POST "${sdp[@]}" "${auth[@]}" --data-binary '' "$url?uid=5"
expect "GET" 405 "${auth[@]}" "$url"
header GET '^Allow: POST, OPTIONS' && t_pass "405 has Allow: POST, OPTIONS" || t_fail "405 has Allow" "$(cat "$T/GET.h")"
expect "PUT" 405 -X PUT "${sdp[@]}" "${auth[@]}" --data-binary "$offer" "$url"
expect "OPTIONS" 204 -X OPTIONS "$url"
header OPTIONS '^Accept-Post: application/sdp' && t_pass "OPTIONS: Accept-Post" || t_fail "OPTIONS: Accept-Post" "$(cat "$T/OPTIONS.h")"
for h in 'Access-Control-Allow-Origin: \*' 'Access-Control-Allow-Methods: POST, DELETE, PATCH, OPTIONS' \
	'Access-Control-Allow-Headers: Authorization, Content-Type, If-Match' \
	'Access-Control-Expose-Headers: Location, ETag, Link'; do
	header OPTIONS "^$h" && header "no token" "^$h" && t_pass "CORS: ${h//\\/}" \
		|| t_fail "CORS: ${h//\\/}" "$(cat "$T/OPTIONS.h")"
done
expect "PATCH on an unknown session" 404 -X PATCH "${auth[@]}" -H 'Content-Type: application/trickle-ice-sdpfrag' \
	--data-binary 'a=x' "$url/nosuch1"
expect "DELETE of an unknown session" 404 -X DELETE "${auth[@]}" "$url/nosuch1"
expect "DELETE without the token" 401 -X DELETE "$url/nosuch1"

# A flood: 1,000 unauthorized POSTs, 8 at a time.
rss() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$REC_PID/status"; }
rss0=$(rss)
curl -s -m 120 -Z --parallel-max 8 -o /dev/null -w '%{http_code}\n' -X POST "${sdp[@]}" \
	-H 'Authorization: Bearer nope' --data-binary "$offer" "$url?n=[1-1000]" >"$T/flood" 2>/dev/null
n401=$(grep -c '^401$' "$T/flood")
[ "$n401" = 1000 ] && t_pass "flood: 1,000 POSTs answered 401" || t_fail "flood: 1,000 POSTs answered 401" \
	"$n401: $(sort "$T/flood" | uniq -c | tr '\n' ' ')"
rss1=$(rss)
# ASan's quarantine keeps freed memory (up to 256 MB): a looser bound there.
bound=20
[[ $AGREC_BUILD == *-san* ]] && bound=200
[ -n "$rss1" ] && [ "$((rss1 - rss0))" -lt $((bound * 1024)) ] && t_pass "flood: RSS $rss0 -> $rss1 kB" \
	|| t_fail "flood: RSS grows less than $bound MB" "$rss0 -> $rss1 kB"
expect "after the flood" 401 -X POST "${sdp[@]}" --data-binary "$offer" "$url"
nlog=$(grep -c 'WHIP POST' "$REC_DIR/recording.log")
[ "$nlog" -lt 200 ] && t_pass "flood: refusals logged at a bounded rate ($nlog lines)" \
	|| t_fail "flood: refusals logged at a bounded rate" "$nlog lines"
kill -0 "$REC_PID" 2>/dev/null && t_pass "the recorder still runs" || t_fail "the recorder still runs" "$(cat "$T/rec.err")"

rec_logged "$REC_DIR" 'WHIP POST /whip/room%201: 401' && t_pass "refusals are logged with their status" \
	|| t_fail "refusals are logged" "$(tail -n 5 "$REC_DIR/recording.log")"
if grep -qF -- "$key" /proc/"$REC_PID"/cmdline; then t_fail "the token is not in the command line" ""
else t_pass "the token is wiped from the command line"; fi
rec_stop
[ "$REC_RC" = 0 ] && t_pass "SIGTERM: exit 0" || t_fail "SIGTERM: exit 0" "status $REC_RC: $(cat "$T/rec.err")"
if grep -rqF -- "$key" "$REC_DIR" "$T/rec.err" "$T/rec.out"; then
	t_fail "the token is never logged" "$(grep -rlF -- "$key" "$REC_DIR" "$T/rec.err" "$T/rec.out")"
else
	t_pass "the token is in no log, stderr or stdout"
fi
