#!/usr/bin/env python3
"""janus_drive.py - drive Janus's videoroom for tests/record/janus.sh.

Run inside the test's network namespace, with one argument: a JSON file

  {"janus": "http://127.0.0.1:8088/janus", "port": 8000,
   "page": ".../janus_publish.html", "out": "RESULTS.json", "ready": "FILE",
   "duration": 4, "rooms": [
     {"room": 1, "codec": "vp8", "pt": 97,
      "publishers": [{"id": 1001, "assrc": 10011, "vssrc": 10012}, ...],
      "cases": [{"name": "vp8-streams", "form": "streams", "port": 5004,
                 "dir": "RECORDING FOLDER", "pid": RECORDER PID,
                 "srtp": {"suite": 80, "crypto": "BASE64"} (optional)}, ...]}]}

It serves the publisher page on 127.0.0.1:PORT (GET /), tells it which
publishers to run (GET /next), takes each publisher's offer (POST /offer),
joins it to its room through Janus's HTTP API and answers with Janus's
answer, and collects the page's statistics (POST /status, whose reply
closes a publisher when its room is done).  It creates the rooms (API
defaults, so fir_freq 0) once Janus answers; FILE "ready" is written as
soon as the page is served, so that Chromium starts meanwhile.  One room at a time (to halve Chromium's encoding load): once
Janus reports audio and video received from every publisher and no
publisher has encoded a keyframe for 1.5 s, the cases run one after the
other: rtp_forward of every publisher to the case's recorder (the
"streams" form, video with rtcp_port = port+1, or the older "legacy" form,
video_port/audio_port and no RTCP port), DURATION seconds of forwarding,
stop_rtp_forward, SIGTERM to the case's recorder.  The results, per case
and user (in ms since the epoch: forward_ms and reply_ms around the
rtp_forward request, stop_ms and stopped_ms around the stop_rtp_forward
requests, video_seen_ms when its video file appeared; keyframes_during,
the keyframes the publisher encoded meanwhile; Janus's replies), go to OUT.  Everything is bounded in time; the
exit status is 0 when every case ran (whatever it recorded), 1 otherwise.
"""
import glob
import http.server
import json
import os
import queue
import signal
import sys
import threading
import time
import urllib.request

CFG = json.load(open(sys.argv[1]))
JANUS = CFG["janus"]
lock = threading.Lock()
status = {}		# (room, id) -> list of (time, report)
media = {}		# (room, id) -> set of "audio"/"video" Janus receives
mids = {}		# (room, id) -> {"audio": mid, "video": mid}
closing = set()		# (room, id) of publishers to close
nextq = queue.Queue()	# the publisher lists GET /next hands out
log_lines = []


def log(msg):
	line = "%.3f %s" % (time.time(), msg)
	with lock:
		log_lines.append(line)
	print(line, file=sys.stderr, flush=True)


def call(path, body, timeout=10):
	body = dict(body, transaction=str(time.monotonic_ns()))
	req = urllib.request.Request(JANUS + path, json.dumps(body).encode(),
		{"Content-Type": "application/json"})
	with urllib.request.urlopen(req, timeout=timeout) as r:
		return json.load(r)


def session():
	"""A new Janus session with a videoroom handle: (session path, handle path)."""
	sid = call("", {"janus": "create"})["data"]["id"]
	hid = call("/%d" % sid, {"janus": "attach", "plugin": "janus.plugin.videoroom"})["data"]["id"]
	return "/%d" % sid, "/%d/%d" % (sid, hid)


def request(handle, body):
	"""A synchronous videoroom request; returns its plugin data."""
	r = call(handle, {"janus": "message", "body": body})
	data = r.get("plugindata", {}).get("data", {})
	if r.get("janus") != "success" or "error" in data:
		raise RuntimeError("%s: %s" % (body.get("request"), json.dumps(r)))
	return data


def poll_events(spath, key, answer):
	"""Long-poll a publisher's session: the answer, then media events."""
	while True:
		try:
			with urllib.request.urlopen(JANUS + spath + "?maxev=5", timeout=40) as r:
				evs = json.load(r)
		except Exception as e:	# the driver is ending, or Janus went away
			log("poll %s: %s" % (key, e))
			return
		for ev in evs if isinstance(evs, list) else [evs]:
			kind = ev.get("janus")
			if kind == "event" and "jsep" in ev:
				answer.append(ev["jsep"]["sdp"])
			elif kind == "event" and "error" in ev.get("plugindata", {}).get("data", {}):
				answer.append(None)
				log("janus error %s: %s" % (key, json.dumps(ev)))
			elif kind == "media":
				log("janus media %s %s receiving=%s" % (key, ev.get("type"), ev.get("receiving")))
				with lock:
					s = media.setdefault(key, set())
					(s.add if ev.get("receiving") else s.discard)(ev.get("type"))
			elif kind not in ("keepalive", "ack"):
				log("janus %s %s" % (key, kind))


def offer_mids(sdp):
	out, kind = {}, None
	for line in sdp.splitlines():
		if line.startswith("m="):
			kind = line[2:].split()[0]
		elif line.startswith("a=mid:") and kind:
			out[kind] = line[6:].strip()
	return out


def publish(room, pid, sdp):
	key = (room, pid)
	spath, handle = session()
	answer = []
	threading.Thread(target=poll_events, args=(spath, key, answer), daemon=True).start()
	r = call(handle, {"janus": "message", "jsep": {"type": "offer", "sdp": sdp},
		"body": {"request": "joinandconfigure", "ptype": "publisher", "room": room,
			"id": pid, "display": str(pid), "audio": True, "video": True}})
	if r.get("janus") not in ("ack", "event"):
		raise RuntimeError("joinandconfigure: %s" % json.dumps(r))
	with lock:
		mids[key] = offer_mids(sdp)
	deadline = time.time() + 15
	while not answer and time.time() < deadline:
		time.sleep(0.05)
	if not answer or answer[0] is None:
		raise RuntimeError("no answer from Janus for %s" % (key,))
	log("published %s mids %s" % (key, mids[key]))
	return answer[0]


class Handler(http.server.BaseHTTPRequestHandler):
	def log_message(self, *a):
		pass

	def reply(self, code, body, ctype="text/plain"):
		b = body.encode()
		self.send_response(code)
		self.send_header("Content-Type", ctype)
		self.send_header("Content-Length", str(len(b)))
		self.end_headers()
		self.wfile.write(b)

	def do_GET(self):
		if self.path == "/next":
			try:
				self.reply(200, json.dumps(nextq.get(timeout=120)), "application/json")
			except queue.Empty:
				self.reply(200, "[]", "application/json")
		else:
			self.reply(200, open(CFG["page"]).read(), "text/html")

	def do_POST(self):
		n = int(self.headers.get("Content-Length", 0))
		msg = json.loads(self.rfile.read(n) or b"{}")
		if self.path == "/status":
			with lock:
				status.setdefault((msg["room"], msg["id"]), []).append((time.time(), msg))
			if msg.get("state") == "error":
				log("page error %s" % json.dumps(msg))
			with lock:
				close = (msg["room"], msg["id"]) in closing
			self.reply(200, json.dumps({"close": close}), "application/json")
		elif self.path == "/offer":
			try:
				self.reply(200, publish(msg["room"], msg["id"], msg["sdp"]))
			except Exception as e:
				log("offer %s: %s" % (msg.get("id"), e))
				self.reply(500, str(e))
		else:
			self.reply(404, "")


def last_status(key):
	with lock:
		s = status.get(key)
		return s[-1][1] if s else {}


def keyframe_quiet(key, secs):
	"""True when the publisher reported video frames for >= secs and its
	keyframe count has not changed in the last secs seconds."""
	with lock:
		s = list(status.get(key, []))
	if not s or s[-1][1].get("framesEncoded", 0) == 0:
		return False
	now, kf = s[-1][0], s[-1][1].get("keyFramesEncoded")
	cut = now - secs - 0.6	# reports come every 0.5 s: include the one before the window
	return s[0][0] <= cut and all(m.get("keyFramesEncoded") == kf for t, m in s if t >= cut)


def forward(admin, room, case, pub):
	"""Start one publisher's forward in the case's form; returns the reply."""
	key = (room["room"], pub["id"])
	m = mids[key]
	body = {"request": "rtp_forward", "room": room["room"], "publisher_id": pub["id"],
		"host": "127.0.0.1"}
	port = case["port"]
	if case["form"] == "streams":
		body["streams"] = [
			{"mid": m["audio"], "port": port, "ssrc": pub["assrc"], "pt": 111},
			{"mid": m["video"], "port": port, "rtcp_port": port + 1, "ssrc": pub["vssrc"],
				"pt": room["pt"]}]
	else:
		body.update({"audio_port": port, "audio_ssrc": pub["assrc"], "audio_pt": 111,
			"video_port": port, "video_ssrc": pub["vssrc"], "video_pt": room["pt"]})
	if "srtp" in case:	# SDES SRTP: the tag length (32 or 80) and the base64 key
		body.update({"srtp_suite": case["srtp"]["suite"], "srtp_crypto": case["srtp"]["crypto"]})
	return request(admin, body)


def run_room(admin, room, results):
	keys = [(room["room"], p["id"]) for p in room["publishers"]]
	deadline = time.time() + 90
	while time.time() < deadline:
		with lock:
			up = all(media.get(k, set()) >= {"audio", "video"} for k in keys)
		if up and all(keyframe_quiet(k, 1.5) for k in keys):
			break
		time.sleep(0.1)
	else:
		log("room %d: publishers not ready: %s" % (room["room"],
			{str(k): last_status(k) for k in keys}))
		return
	for case in room["cases"]:
		res = {"name": case["name"], "form": case["form"], "codec": room["codec"], "users": {}}
		results[case["name"]] = res
		before = {k: last_status(k).get("keyFramesEncoded") for k in keys}
		ids = []
		for p in room["publishers"]:
			t0 = time.time()
			reply = forward(admin, room, case, p)
			t1 = time.time()
			ids += [(p["id"], f["stream_id"]) for f in reply.get("forwarders", [])]
			rs = reply.get("rtp_stream", {})	# the older form's reply
			ids += [(p["id"], rs[k]) for k in ("audio_stream_id", "video_stream_id") if k in rs]
			res["users"][str(p["id"])] = {"forward_ms": int(t0 * 1000), "reply_ms": int(t1 * 1000),
				"reply": reply}
		log("%s: forwarding %s" % (case["name"], ids))
		start = time.time()
		# Forward for DURATION seconds, noting when each user's video file appears.
		while time.time() < start + CFG["duration"]:
			for p in room["publishers"]:
				u = res["users"][str(p["id"])]
				if "video_seen_ms" not in u and (glob.glob("%s/%d_*.webm" % (case["dir"], p["id"]))
						or glob.glob("%s/%d_*.mp4" % (case["dir"], p["id"]))):
					u["video_seen_ms"] = int(time.time() * 1000)
			time.sleep(0.05)
		for p in room["publishers"]:	# stop_ms .. stopped_ms: when its forward ended
			u = res["users"][str(p["id"])]
			u["stop_ms"] = int(time.time() * 1000)
			for pid, sid in ids:
				if pid == p["id"]:
					request(admin, {"request": "stop_rtp_forward", "room": room["room"],
						"publisher_id": pid, "stream_id": sid})
			u["stopped_ms"] = int(time.time() * 1000)
		os.kill(case["pid"], signal.SIGTERM)
		for k in keys:
			u = res["users"][str(k[1])]
			u["keyframes_during"] = (last_status(k).get("keyFramesEncoded") or 0) - (before[k] or 0)
			u["publisher"] = last_status(k)
		log("%s: done %s" % (case["name"], json.dumps({u: {x: v for x, v in d.items() if x != "reply"}
			for u, d in res["users"].items()})))


def main():
	srv = http.server.ThreadingHTTPServer(("127.0.0.1", CFG["port"]), Handler)
	srv.daemon_threads = True
	threading.Thread(target=srv.serve_forever, daemon=True).start()
	open(CFG["ready"], "w").close()	# listening: the test starts Chromium
	deadline = time.time() + 30
	while True:	# Janus starts meanwhile
		try:
			urllib.request.urlopen(JANUS + "/info", timeout=2).close()
			break
		except OSError:
			if time.time() > deadline:
				raise
			time.sleep(0.1)
	_, admin = session()
	for room in CFG["rooms"]:
		request(admin, {"request": "create", "room": room["room"], "publishers": 4,
			"videocodec": room["codec"], "audiocodec": "opus"})
	log("janus up, rooms created")
	results = {}
	for room in CFG["rooms"]:
		nextq.put([[room["room"], p["id"]] for p in room["publishers"]])
		run_room(admin, room, results)
		with lock:
			closing.update((room["room"], p["id"]) for p in room["publishers"])
	nextq.put([])
	with open(CFG["out"], "w") as f:
		json.dump(results, f, indent=1)
	want = sum(len(r["cases"]) for r in CFG["rooms"])
	sys.exit(0 if len(results) == want else 1)


if __name__ == "__main__":
	main()
