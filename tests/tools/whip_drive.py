#!/usr/bin/env python3
"""whip_drive.py - drive contrib/whip/publish.html in headless Chromium for
tests/record/whip.sh (python3 standard library only).

One argument: a JSON file

  {"page": ".../contrib/whip/publish.html", "url": "FILE", "out": "RESULTS.json",
   "limit": 120,
   "tabs": [{"name": "u1001", "whip": "http://127.0.0.1:HPORT/whip/", "channel": "c",
             "uid": 1001, "codec": "vp8", "token": "KEY", "proxy": "",
             "degradation": "maintain-resolution",
             "plan": [["publish", 8], ["away", 17], ["publish", 6]]}, ...],
   "cases": {"offer_from": "TAB", "while_connected": "TAB", "whip": URL,
             "channel": "c", "token": "KEY", "busy_uid": 1001, "uid": 1009}}

It serves the page on 127.0.0.1 (a port of its own, so a secure context)
and writes to FILE "url" the address of a page that holds one frame per
tab: headless Chromium opens one page only ("Multiple targets are not
supported in headless mode"), so the test starts one Chromium with that
address once FILE exists.  Each frame is publish.html with endpoint,
channel, uid, codec, token and report= set.  Each page POSTs its
status (window.agrecStatus) to /report/TAB every second and on every
change; the driver notes its own time of each new page event and replies
with the tab's next action.  All tabs start together, once every page has
reported.  A plan's steps:

  ["publish", S]  publish; the page stops (WHIP DELETE) S s after it is
                  connected; the step ends when the page says "stopped"
  ["away", S]     S seconds with nothing published (the scenario itself)
  ["fail", S]     publish and wait (at most S s) for the page to give up:
                  an error or a failed connection; then Stop

A tab with "proxy": "fingerprint" publishes through the driver
(POST /proxy/fingerprint/CHANNEL): the driver keeps the offer (the real
one, for "cases"), flips one byte of its a=fingerprint and passes it to
the tab's "whip"; the answer comes back unchanged, its Location made
absolute (the DELETE then goes to the recorder itself).

"cases" (bad input that needs a real offer): once the offer_from tab has
offered and the while_connected tab is connected, the driver POSTs that
offer itself: with the uid in use (busy_uid), with every codec renamed
(no codec in common), with a wrong and with no token, and to another
channel.  Each result (status, body, WWW-Authenticate) is kept; a 201
where none was wanted is DELETEd at once.

The results go to OUT: per tab, its publications (driver times in ms since
the epoch of "offering", "answered", "connected", "stopping", "deleted",
"stopped", "error"; the DELETE status; the page's status when the step
ended) and its one-a-second samples; the cases; the offers seen.  No token
is written there.  Everything is bounded in time (limit, s); the exit
status is 0 when every plan ran to its end, 1 otherwise.
"""
import html
import http.server
import json
import os
import re
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

CFG = json.load(open(sys.argv[1]))
TABS = {t["name"]: t for t in CFG["tabs"]}
lock = threading.Condition()
state = {name: {"status": None, "seen": 0, "events": [], "action": None, "samples": []}
	for name in TABS}
offers = []
log_lines = []


def now_ms():
	return int(time.time() * 1000)


def log(msg):
	line = "%.3f %s" % (time.time(), msg)
	log_lines.append(line)
	print(line, file=sys.stderr, flush=True)


def page_url(port, tab):
	endpoint = tab["whip"]
	if tab.get("proxy"):
		endpoint = "http://127.0.0.1:%d/proxy/%s/" % (port, tab["proxy"])
	q = {"endpoint": endpoint, "channel": tab["channel"], "codec": tab.get("codec", "vp8"),
		"report": "/report/" + tab["name"]}
	if tab.get("uid"):
		q["uid"] = str(tab["uid"])
	if tab.get("degradation"):
		q["degradation"] = tab["degradation"]
	if tab.get("token"):
		q["token"] = tab["token"]	# tests only: the page takes it out of the address bar
	return "http://127.0.0.1:%d/publish.html?%s" % (port, urllib.parse.urlencode(q))


def flip_fingerprint(sdp):
	"""The offer with the first byte of every a=fingerprint changed."""
	def flip(m):
		first = "%02X" % (int(m.group(2), 16) ^ 0x5A)
		return m.group(1) + first
	return re.sub(r"(a=fingerprint:\S+ )([0-9A-Fa-f]{2})", flip, sdp)


def rename_codecs(sdp):
	"""The offer with every rtpmap encoding name unknown: no codec in common."""
	return re.sub(r"(a=rtpmap:\d+ )[^/\r\n]+", r"\1X-AGREC-NONE", sdp)


def whip_post(url, sdp, token):
	"""POST an offer; returns (status, body, headers); never raises on HTTP errors."""
	h = {"Content-Type": "application/sdp"}
	if token is not None:
		h["Authorization"] = "Bearer " + token
	req = urllib.request.Request(url, sdp.encode(), h, method="POST")
	try:
		with urllib.request.urlopen(req, timeout=10) as r:
			return r.status, r.read().decode(errors="replace"), dict(r.headers)
	except urllib.error.HTTPError as e:
		return e.code, e.read().decode(errors="replace"), dict(e.headers)


def whip_delete(url, token):
	h = {"Authorization": "Bearer " + token} if token else {}
	req = urllib.request.Request(url, None, h, method="DELETE")
	try:
		with urllib.request.urlopen(req, timeout=10) as r:
			return r.status
	except urllib.error.HTTPError as e:
		return e.code
	except OSError as e:
		log("DELETE %s: %s" % (url, e))
		return 0


class Handler(http.server.BaseHTTPRequestHandler):
	def log_message(self, *a):
		pass

	def reply(self, code, body, ctype="text/plain", headers=()):
		b = body.encode()
		self.send_response(code)
		self.send_header("Content-Type", ctype)
		self.send_header("Content-Length", str(len(b)))
		self.send_header("Cache-Control", "no-store")
		for k, v in headers:
			self.send_header(k, v)
		self.end_headers()
		self.wfile.write(b)

	def do_GET(self):
		path = urllib.parse.urlsplit(self.path).path
		if path == "/publish.html":
			self.reply(200, open(CFG["page"]).read(), "text/html; charset=utf-8")
		elif path == "/tabs.html":	# headless Chromium opens one page: a frame per tab
			port = self.server.server_address[1]
			frames = "".join('<iframe allow="camera; microphone; autoplay" width="480" height="600"'
				' src="%s"></iframe>\n' % html.escape(page_url(port, t)) for t in CFG["tabs"])
			self.reply(200, "<!doctype html>\n<meta charset=utf-8><title>tabs</title>\n" + frames,
				"text/html; charset=utf-8")
		else:
			self.reply(404, "")

	def body(self):
		return self.rfile.read(int(self.headers.get("Content-Length", 0)))

	def do_POST(self):
		path = urllib.parse.urlsplit(self.path)
		if path.path.startswith("/report/") and path.path[8:] in TABS:
			self.report(path.path[8:], json.loads(self.body() or b"{}"))
		elif path.path.startswith("/proxy/"):
			self.proxy(path)
		else:
			self.reply(404, "")

	def report(self, name, st):
		t = now_ms()
		with lock:
			s = state[name]
			s["status"] = st
			for ev in st.get("events", [])[s["seen"]:]:
				s["events"].append(dict(ev, driver_ms=t))
				if ev["what"] in ("error", "connection-failed"):
					log("%s: %s %s" % (name, ev["what"], st.get("errors")))
			s["seen"] = len(st.get("events", []))
			if st.get("state") in ("answered", "connected") or st.get("connectionState") == "connected":
				s["samples"].append([t, {k: st.get(k) for k in ("connectionState", "bytesSent",
					"videoBytesSent", "audioBytesSent", "bitrate", "videoBitrate", "framesEncoded",
					"frameWidth", "frameHeight", "framesPerSecond", "targetBitrate",
					"availableOutgoingBitrate", "qualityLimitationReason", "codec")}])
			action, s["action"] = s["action"], None
			lock.notify_all()
		self.reply(200, json.dumps(action or {}), "application/json")

	def proxy(self, path):
		parts = path.path.split("/")	# "", "proxy", HOW, CHANNEL
		tab = next((t for t in TABS.values() if t.get("proxy") == parts[2]), None)
		if len(parts) != 4 or tab is None:
			self.reply(404, "")
			return
		sdp = self.body().decode()
		with lock:
			offers.append({"tab": tab["name"], "sdp": sdp})
			lock.notify_all()
		sent = flip_fingerprint(sdp) if parts[2] == "fingerprint" else sdp
		auth = self.headers.get("Authorization", "")
		url = tab["whip"] + parts[3] + ("?" + path.query if path.query else "")
		code, body, hdrs = whip_post(url, sent, auth[7:] if auth.startswith("Bearer ") else None)
		loc = hdrs.get("Location")
		extra = [("Location", urllib.parse.urljoin(url, loc))] if loc else []
		log("proxy %s: %d %s" % (tab["name"], code, body.strip()[:200] if code != 201 else loc))
		self.reply(code, body, hdrs.get("Content-Type", "text/plain"), extra)


def wait(pred, secs):
	"""Wait (at most secs) until pred() holds; lock held while testing."""
	end = time.time() + secs
	with lock:
		while not pred():
			left = end - time.time()
			if left <= 0:
				return False
			lock.wait(min(left, 0.5))
		return True


def events_since(name, i):
	return [e["what"] for e in state[name]["events"][i:]]


def step_publish(name, secs, fail):
	"""One publication; returns its record."""
	with lock:
		start = len(state[name]["events"])
		state[name]["action"] = {"action": "publish", "duration": 0 if fail else secs}
	if fail:	# wait for the page to give up, then Stop
		ok = wait(lambda: any(w in ("error", "connection-failed", "stopped")
			for w in events_since(name, start)), secs)
	else:	# the page stops by itself
		ok = wait(lambda: "stopped" in events_since(name, start), secs + 30)
	if fail or not ok:
		with lock:
			state[name]["action"] = {"action": "stop"}
		wait(lambda: "stopped" in events_since(name, start), 15)
	with lock:
		evs = state[name]["events"][start:]
		st = state[name]["status"]
	pub = {"duration": secs, "ok": ok}
	for e in evs:
		key = {"connection-connected": "connected", "connection-failed": "failed"}.get(e["what"], e["what"])
		pub.setdefault(key + "_ms", e["driver_ms"])
		pub.setdefault(key + "_page_ms", e["t"])
		if e["what"] == "deleted":
			pub["delete_status"] = e.get("status")
	pub["last"] = {k: v for k, v in st.items() if k != "events"}
	log("%s: published %s" % (name, json.dumps({k: v for k, v in pub.items() if k != "last"})))
	return pub


def run_tab(name, results):
	res = results[name] = {"publications": []}
	for step in TABS[name]["plan"]:
		if step[0] in ("publish", "fail"):
			res["publications"].append(step_publish(name, step[1], step[0] == "fail"))
		elif step[0] == "away":
			time.sleep(step[1])	# the time away is the test's content
	res["done"] = True


def run_cases(results):
	c = CFG["cases"]
	res = results["cases"] = {}
	got = wait(lambda: any(o["tab"] == c["offer_from"] for o in offers), 40)
	up = wait(lambda: any(e["what"] in ("connection-connected", "stopped")
		for e in state[c["while_connected"]]["events"]), 40)
	with lock:
		up = state[c["while_connected"]]["status"].get("connectionState") == "connected"
	if not got or not up:
		log("cases: no offer (%s) or %s not connected (%s)" % (got, c["while_connected"], up))
		return
	sdp = next(o["sdp"] for o in offers if o["tab"] == c["offer_from"])
	base = c["whip"] + c["channel"]
	tries = {
		"uid-in-use": (base + "?uid=%d" % c["busy_uid"], sdp, c["token"]),
		"no-common-codec": (base + "?uid=%d" % c["uid"], rename_codecs(sdp), c["token"]),
		"wrong-token": (base + "?uid=%d" % c["uid"], sdp, c["token"] + "x"),
		"no-token": (base + "?uid=%d" % c["uid"], sdp, None),
		"wrong-channel": (c["whip"] + c["channel"] + "-other?uid=%d" % c["uid"], sdp, c["token"]),
	}
	for case, (url, offer, token) in tries.items():
		code, body, hdrs = whip_post(url, offer, token)
		r = res[case] = {"status": code, "body": body if code != 201 else "",
			"www_authenticate": hdrs.get("WWW-Authenticate"), "ms": now_ms()}
		if code == 201 and hdrs.get("Location"):	# not wanted: end it
			r["delete_status"] = whip_delete(urllib.parse.urljoin(url, hdrs["Location"]), c["token"])
		log("case %s: %d %s" % (case, code, body.strip()[:200]))
	with lock:
		st = state[c["while_connected"]]["status"]
		res["busy_still_connected"] = st.get("connectionState") == "connected"


def main():
	srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
	srv.daemon_threads = True
	port = srv.server_address[1]
	threading.Thread(target=srv.serve_forever, daemon=True).start()
	tmp = CFG["url"] + ".tmp"
	with open(tmp, "w") as f:
		f.write("http://127.0.0.1:%d/tabs.html\n" % port)
	os.rename(tmp, CFG["url"])	# the test starts Chromium now
	deadline = time.time() + CFG.get("limit", 120)
	results = {"tabs": {}, "offers": offers, "port": port}
	if not wait(lambda: all(s["status"] is not None for s in state.values()), 40):
		log("pages not loaded: %s" % [n for n, s in state.items() if s["status"] is None])
	else:
		log("pages loaded; publishing")
		threads = [threading.Thread(target=run_tab, args=(n, results["tabs"]), daemon=True)
			for n in TABS]
		if CFG.get("cases"):
			threads.append(threading.Thread(target=run_cases, args=(results,), daemon=True))
		for t in threads:
			t.start()
		for t in threads:
			t.join(max(0, deadline - time.time()))
	with lock:
		for n, s in state.items():
			results["tabs"].setdefault(n, {"publications": []})["samples"] = s["samples"]
			results["tabs"][n]["events"] = s["events"]
		results["log"] = log_lines
		json.dump(results, open(CFG["out"], "w"), indent=1)
	ok = all(results["tabs"][n].get("done") for n in TABS)
	sys.exit(0 if ok else 1)


if __name__ == "__main__":
	main()
