#!/usr/bin/env python3
"""whip_ice.py - agrec-record's WHIP sessions at the ICE level, for
tests/record/whip-ice.sh, with a STUN client of its own (Python's hmac and
zlib: no code shared with libcommon/stun.c).

  whip_ice.py URL TOKEN OFFER_FILE UDP_PORT OUT_JSON

URL is the endpoint (http://127.0.0.1:HPORT/whip/CHANNEL).  Every step
is bounded in time; the results, one entry per check, go to OUT_JSON as
{"name": [ok, "detail"], ...}; exit status 0 when it ran to the end.
Checks: the 201 answer (ice-lite, setup:passive, a host candidate on
UDP_PORT, a sha-256 fingerprint, Location and ETag); a Binding request
signed with the answer's ice-pwd answered with a verified
MESSAGE-INTEGRITY, FINGERPRINT and our own address in
XOR-MAPPED-ADDRESS; a request with a bad MESSAGE-INTEGRITY and one for an
unknown ICE username unanswered; a second publisher with the uid in use
refused (409); DELETE 200, then 404; a session whose DTLS handshake
never finishes (the shell waits for the recorder to end it); and a burst of 1,000 POSTs from 16
threads: each answered 201 or 503 (or refused at the connection
limit: at most 100), no other status.
"""
import hashlib
import hmac
import json
import os
import re
import socket
import struct
import sys
import threading
import urllib.error
import urllib.request
import zlib

URL, TOKEN, OFFER, PORT, OUT = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
results = {}


def check(name, ok, detail=""):
	results[name] = [bool(ok), str(detail)]


def post(uid=None, body=None):
	url = URL + ("?uid=%d" % uid if uid else "")
	req = urllib.request.Request(url, data=body or open(OFFER, "rb").read(), method="POST",
		headers={"Content-Type": "application/sdp", "Authorization": "Bearer " + TOKEN})
	try:
		with urllib.request.urlopen(req, timeout=10) as r:
			return r.status, dict(r.headers), r.read().decode()
	except urllib.error.HTTPError as e:
		return e.code, dict(e.headers), e.read().decode()


def delete(location):
	base = re.match(r"(https?://[^/]+)", URL).group(1)
	req = urllib.request.Request(base + location, method="DELETE",
		headers={"Authorization": "Bearer " + TOKEN})
	try:
		with urllib.request.urlopen(req, timeout=10) as r:
			return r.status
	except urllib.error.HTTPError as e:
		return e.code


MAGIC = 0x2112A442


def attr(t, v):
	return struct.pack("!HH", t, len(v)) + v + b"\0" * ((4 - len(v) % 4) % 4)


def binding_request(username, key, tid):
	"""A controlling agent's nominating check (RFC 8445 7.1)."""
	attrs = attr(0x0006, username.encode()) + attr(0x0024, struct.pack("!I", 0x6e7f00ff)) + \
		attr(0x802A, os.urandom(8)) + attr(0x0025, b"")
	# MESSAGE-INTEGRITY over the message with the length through it.
	hdr = struct.pack("!HHI", 0x0001, len(attrs) + 24, MAGIC) + tid
	mi = hmac.new(key.encode(), hdr + attrs, hashlib.sha1).digest()
	attrs += attr(0x0008, mi)
	hdr = struct.pack("!HHI", 0x0001, len(attrs) + 8, MAGIC) + tid
	fp = (zlib.crc32(hdr + attrs) ^ 0x5354554E) & 0xFFFFFFFF
	return hdr + attrs + attr(0x8028, struct.pack("!I", fp))


def parse_response(msg, key, tid):
	"""Check a Binding success response; returns (ok, detail, (ip, port))."""
	if len(msg) < 20:
		return False, "short", None
	typ, length, magic = struct.unpack("!HHI", msg[:8])
	if typ != 0x0101 or magic != MAGIC or msg[8:20] != tid or length + 20 != len(msg):
		return False, "type %04x length %d" % (typ, length), None
	off, mapped, mi_ok, fp_ok = 20, None, False, False
	while off + 4 <= len(msg):
		t, n = struct.unpack("!HH", msg[off:off + 4])
		v = msg[off + 4:off + 4 + n]
		if t == 0x0020 and v[1] == 1:
			port = struct.unpack("!H", v[2:4])[0] ^ (MAGIC >> 16)
			ip = socket.inet_ntoa(struct.pack("!I", struct.unpack("!I", v[4:8])[0] ^ MAGIC))
			mapped = (ip, port)
		elif t == 0x0008:
			hdr = struct.pack("!HH", typ, off + 24 - 20) + msg[4:20]
			mi_ok = hmac.compare_digest(hmac.new(key.encode(), hdr + msg[20:off], hashlib.sha1).digest(), v)
		elif t == 0x8028:
			fp_ok = struct.unpack("!I", v)[0] == (zlib.crc32(msg[:off]) ^ 0x5354554E) & 0xFFFFFFFF
		off += 4 + n + (4 - n % 4) % 4
	return mapped is not None and mi_ok and fp_ok, "mapped %s integrity %s fingerprint %s" % (
		mapped, mi_ok, fp_ok), mapped


def exchange(sock, msg, wait):
	sock.sendto(msg, ("127.0.0.1", PORT))
	sock.settimeout(wait)
	try:
		return sock.recv(2048)
	except socket.timeout:
		return None


def main():
	status, hdrs, answer = post(uid=4242)
	check("POST a real offer: 201", status == 201, "%d %s" % (status, answer[:200]))
	if status != 201:
		return
	h = {k.lower(): v for k, v in hdrs.items()}
	loc = h.get("location", "")
	check("201: Location and ETag", loc.startswith("/whip/") and h.get("etag"), hdrs)
	check("201: application/sdp", h.get("content-type", "").startswith("application/sdp"), hdrs)
	ufrag = re.search(r"a=ice-ufrag:(\S+)", answer)
	pwd = re.search(r"a=ice-pwd:(\S+)", answer)
	check("answer: ice-lite, setup:passive, sha-256 fingerprint",
		"a=ice-lite" in answer and "a=setup:passive" in answer and
		re.search(r"a=fingerprint:sha-256 ([0-9A-F]{2}:){31}[0-9A-F]{2}", answer), answer)
	check("answer: a host candidate on the media port",
		re.search(r"a=candidate:\S+ 1 udp \d+ 127\.0\.0\.1 %d typ host" % PORT, answer), answer)
	check("answer: recvonly, rtcp-mux, BUNDLE",
		"a=recvonly" in answer and "a=rtcp-mux" in answer and "a=group:BUNDLE" in answer, answer)
	if not ufrag or not pwd:
		return
	ufrag, pwd = ufrag.group(1), pwd.group(1)
	s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	s.bind(("127.0.0.1", 0))
	tid = os.urandom(12)
	r = exchange(s, binding_request(ufrag + ":peer", pwd, tid), 3)
	ok, detail, mapped = parse_response(r, pwd, tid) if r else (False, "no response in 3 s", None)
	check("STUN check answered, integrity and fingerprint verified", ok, detail)
	check("XOR-MAPPED-ADDRESS is the checker's address", mapped == s.getsockname(),
		"%s, want %s" % (mapped, s.getsockname()))
	# An absence: bounded waits, the recorder answers a good check in ~1 ms.
	r = exchange(s, binding_request(ufrag + ":peer", pwd + "x", os.urandom(12)), 1)
	check("a check with a bad MESSAGE-INTEGRITY is not answered", r is None, r)
	r = exchange(s, binding_request("nobody:peer", pwd, os.urandom(12)), 1)
	check("a check for an unknown ICE username is not answered", r is None, r)
	tid = os.urandom(12)
	r = exchange(s, binding_request(ufrag + ":peer", pwd, tid), 3)
	check("a good check still answered after the bad ones", r and parse_response(r, pwd, tid)[0], r)
	status, _, body = post(uid=4242)
	check("a second publisher with uid 4242: 409", status == 409, "%d %s" % (status, body))
	check("DELETE the session: 200", delete(loc) == 200)
	check("DELETE it again: 404", delete(loc) == 404)
	tid = os.urandom(12)
	r = exchange(s, binding_request(ufrag + ":peer", pwd, tid), 1)
	check("a check of the deleted session is not answered", r is None, r)
	# A session whose DTLS never finishes: checked, then a record OpenSSL
	# drops (a handshake record of no use); the recorder ends it after 10 s.
	status, hdrs, answer = post(uid=4343)
	u2, p2 = re.search(r"a=ice-ufrag:(\S+)", answer), re.search(r"a=ice-pwd:(\S+)", answer)
	if status == 201 and u2 and p2:
		s2 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
		s2.bind(("127.0.0.1", 0))
		tid = os.urandom(12)
		r = exchange(s2, binding_request(u2.group(1) + ":peer", p2.group(1), tid), 3)
		ok = r is not None and parse_response(r, p2.group(1), tid)[0]
		s2.sendto(bytes([22, 0xfe, 0xfd]) + bytes(10) + b"\x00\x04junk", ("127.0.0.1", PORT))
		check("a second session (uid 4343) checked, then a DTLS record of no use", ok, status)
	else:
		check("a second session (uid 4343) checked, then a DTLS record of no use", False, status)
	# The burst: statuses only 201 and 503 (--maxPublishers), none lost.
	counts, lock = {}, threading.Lock()

	def burst(n):
		for _ in range(n):
			try:
				st = post()[0]
			except Exception as e:	# a refused or reset connection
				st = type(e).__name__
			with lock:
				counts[st] = counts.get(st, 0) + 1
	ts = [threading.Thread(target=burst, args=(1000 // 16 + (1 if i < 1000 % 16 else 0),))
		for i in range(16)]
	for t in ts:
		t.start()
	for t in ts:
		t.join(120)
	# The endpoint's connection limits (16 from one address) may refuse a
	# connection outright on a loaded machine: a refusal, not a wrong answer.
	refused = sum(v for k, v in counts.items() if not isinstance(k, int))
	statuses = {k for k in counts if isinstance(k, int)}
	check("1,000 POSTs: each answered 201 or 503, or refused at the connection limit",
		sum(counts.values()) == 1000 and statuses <= {201, 503} and
		counts.get(201, 0) >= 1 and refused <= 100, counts)
	results["_burst"] = [True, json.dumps({str(k): v for k, v in counts.items()})]


try:
	main()
finally:
	json.dump(results, open(OUT, "w"), indent=1)
