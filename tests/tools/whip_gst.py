#!/usr/bin/python3
"""whip_gst.py - a WHIP client (RFC 9725) on GStreamer's webrtcbin, for
tests/record/whip-gst.sh: a second publisher that shares no code with
contrib/whip/publish.html and Chromium.

  whip_gst.py URL SECONDS [--token KEY] [--out FILE.json]

Publishes videotestsrc (pattern=ball, 640x480, 20 fps) as VP8 and
audiotestsrc (a sine) as Opus through one webrtcbin (each payloader behind a
valve that opens when the connection is up, so that nothing queued
before goes out in a burst; the recorder's PLI brings the first key frame) (bundle-policy
max-bundle, both transceivers sendonly): the offer, complete with the
candidates gathered (ICE gathering complete, or 3 s), is POSTed to URL
(Content-Type application/sdp, "Authorization: Bearer KEY" with --token);
the 201's body is the answer (its candidates are the endpoint's); the
Location is kept.  Once ICE and DTLS are up it sends SECONDS s, then
DELETEs the Location.  --out FILE gets a JSON summary: times (ms since
the epoch) of the POST, the answer, the connection, the DELETE; the HTTP
statuses; the states reached; errors.  No token is written anywhere.
Exit status 0 when it published and deleted, 1 otherwise.  Needs
python3-gi and GStreamer's gir (gir1.2-gst-plugins-bad-1.0) and nice.
"""
import argparse
import json
import re
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import gi
gi.require_version("Gst", "1.0")
gi.require_version("GstWebRTC", "1.0")
gi.require_version("GstSdp", "1.0")
from gi.repository import GLib, Gst, GstSdp, GstWebRTC  # noqa: E402

PIPELINE = """
webrtcbin name=wb bundle-policy=max-bundle
videotestsrc is-live=true pattern=ball ! video/x-raw,width=640,height=480,framerate=20/1
 ! videoconvert ! vp8enc deadline=1 keyframe-max-dist=60 ! rtpvp8pay pt=96
 ! valve name=vvalve drop=true drop-mode=forward-sticky-events
 ! application/x-rtp,media=video,encoding-name=VP8,payload=96,clock-rate=90000 ! wb.
audiotestsrc is-live=true wave=sine freq=440 volume=0.3 ! audioconvert ! audioresample
 ! opusenc ! rtpopuspay pt=111 ! valve name=avalve drop=true drop-mode=forward-sticky-events
 ! application/x-rtp,media=audio,encoding-name=OPUS,payload=111,clock-rate=48000 ! wb.
"""


def now_ms():
	return int(time.time() * 1000)


class Client:
	def __init__(self, url, secs, token):
		self.url, self.secs, self.token = url, secs, token
		self.res = {"url": url, "seconds": secs, "states": [], "errors": []}
		self.candidates = []	# (mline, "candidate:...") from on-ice-candidate
		self.gathered = threading.Event()
		self.offer_ready = threading.Event()
		self.connected = threading.Event()
		self.failed = threading.Event()
		self.location = None
		self.pipe = Gst.parse_launch(PIPELINE)
		self.wb = self.pipe.get_by_name("wb")
		self.wb.connect("on-negotiation-needed", self.on_negotiation_needed)
		self.wb.connect("on-ice-candidate", lambda _, m, c: self.candidates.append((m, c)))
		self.wb.connect("notify::ice-gathering-state", self.on_gathering)
		self.wb.connect("notify::ice-connection-state", self.on_state, "ice")
		self.wb.connect("notify::connection-state", self.on_state, "connection")
		bus = self.pipe.get_bus()
		bus.add_signal_watch()
		bus.connect("message::error", self.on_error)

	def error(self, msg):
		self.res["errors"].append(msg)
		print("whip_gst: %s" % msg, file=sys.stderr, flush=True)

	def on_error(self, _bus, msg):
		err, dbg = msg.parse_error()
		self.error("%s (%s)" % (err.message, dbg))
		self.failed.set()

	def on_state(self, wb, _pspec, what):
		v = wb.get_property("connection-state" if what == "connection" else "ice-connection-state")
		name = "%s-%s" % (what, v.value_nick)
		self.res["states"].append([now_ms(), name])
		print("whip_gst: %s" % name, file=sys.stderr, flush=True)
		if name == "connection-connected":
			for v in ("vvalve", "avalve"):	# media from now on, none queued before
				self.pipe.get_by_name(v).set_property("drop", False)
			self.res.setdefault("connected_ms", now_ms())
			self.connected.set()
		if name in ("connection-failed", "ice-failed"):
			self.failed.set()

	def on_gathering(self, wb, _pspec):
		if wb.get_property("ice-gathering-state") == GstWebRTC.WebRTCICEGatheringState.COMPLETE:
			self.gathered.set()

	def on_negotiation_needed(self, wb):
		for t in range(2):	# publish only
			tr = wb.emit("get-transceiver", t)
			if tr is not None:
				tr.set_property("direction", GstWebRTC.WebRTCRTPTransceiverDirection.SENDONLY)
		wb.emit("create-offer", None, Gst.Promise.new_with_change_func(self.on_offer, wb, None))

	def on_offer(self, promise, wb, _):
		promise.wait()
		reply = promise.get_reply()
		offer = reply.get_value("offer") if reply is not None else None
		if offer is None:
			self.error("webrtcbin made no offer")
			self.failed.set()
			return
		wb.emit("set-local-description", offer, Gst.Promise.new())
		self.offer_ready.set()

	def offer_sdp(self):
		"""The local description, with every gathered candidate in its m-section."""
		sdp = self.wb.get_property("local-description").sdp.as_text()
		lines = sdp.replace("\r\n", "\n").rstrip("\n").split("\n")
		out, mline, have = [], -1, set(l for l in lines if l.startswith("a=candidate:"))

		def flush():
			for m, c in self.candidates:
				line = "a=" + c
				if m == mline and line not in have:
					out.append(line)
			if mline >= 0 and "a=end-of-candidates" not in lines:
				out.append("a=end-of-candidates")
		for line in lines:
			if line.startswith("m="):
				flush()
				mline += 1
			out.append(line)
		flush()
		return "\r\n".join(out) + "\r\n"

	def headers(self, extra=None):
		h = dict(extra or {})
		if self.token:
			h["Authorization"] = "Bearer " + self.token
		return h

	def post(self, sdp):
		req = urllib.request.Request(self.url, sdp.encode(),
			self.headers({"Content-Type": "application/sdp"}), method="POST")
		self.res["post_ms"] = now_ms()
		try:
			with urllib.request.urlopen(req, timeout=10) as r:
				code, body, loc = r.status, r.read().decode(), r.headers.get("Location")
		except urllib.error.HTTPError as e:
			code, body, loc = e.code, e.read().decode(errors="replace"), None
		except OSError as e:
			code, body, loc = 0, str(e), None
		self.res["post_status"] = code
		self.res["answer_ms"] = now_ms()
		if code != 201:
			self.error("POST answered %d: %s" % (code, body.strip()[:300]))
			return None
		if not loc:
			self.error("201 without a Location")
			return None
		self.res["answer"] = body
		self.location = urllib.parse.urljoin(self.url, loc)
		self.res["location"] = self.location
		return body

	def delete(self):
		req = urllib.request.Request(self.location, None, self.headers(), method="DELETE")
		self.res["delete_ms"] = now_ms()
		try:
			with urllib.request.urlopen(req, timeout=10) as r:
				self.res["delete_status"] = r.status
		except urllib.error.HTTPError as e:
			self.res["delete_status"] = e.code
		except OSError as e:
			self.res["delete_status"] = 0
			self.error("DELETE: %s" % e)

	def run(self):
		"""The publication, on a thread beside the GLib main loop."""
		if not self.offer_ready.wait(10):
			self.error("no offer in 10 s")
			return False
		self.gathered.wait(3)	# bounded: what is gathered by then goes
		sdp = self.offer_sdp()
		self.res["offer_candidates"] = len(re.findall(r"^a=candidate:", sdp, re.M))
		answer = self.post(sdp)
		if answer is None:
			return False
		ok, msg = GstSdp.SDPMessage.new_from_text(answer)
		if ok != GstSdp.SDPResult.OK:
			self.error("the answer does not parse as SDP")
			return False
		desc = GstWebRTC.WebRTCSessionDescription.new(GstWebRTC.WebRTCSDPType.ANSWER, msg)
		self.wb.emit("set-remote-description", desc, Gst.Promise.new())
		end = time.time() + 15
		while not self.connected.is_set() and not self.failed.is_set() and time.time() < end:
			self.connected.wait(0.1)
		if not self.connected.is_set():
			self.error("not connected within 15 s of the answer")
			self.delete()
			return False
		self.failed.wait(self.secs)	# the publication itself
		self.res["stop_ms"] = now_ms()
		self.delete()
		return not self.failed.is_set() and self.res.get("delete_status") == 200


def main():
	ap = argparse.ArgumentParser(description="publish test media to a WHIP endpoint")
	ap.add_argument("url")
	ap.add_argument("seconds", type=float)
	ap.add_argument("--token")
	ap.add_argument("--out")
	a = ap.parse_args()
	Gst.init(None)
	c = Client(a.url, a.seconds, a.token)
	loop = GLib.MainLoop()
	result = []

	def work():
		result.append(c.run())
		GLib.idle_add(loop.quit)
	c.pipe.set_state(Gst.State.PLAYING)
	threading.Thread(target=work, daemon=True).start()
	GLib.timeout_add_seconds(int(c.secs) + 60, loop.quit)	# bounded in any case
	loop.run()
	c.pipe.set_state(Gst.State.NULL)
	c.res["ok"] = bool(result and result[0])
	if a.out:
		with open(a.out, "w") as f:
			json.dump(c.res, f, indent=1)
	sys.exit(0 if c.res["ok"] else 1)


if __name__ == "__main__":
	main()
