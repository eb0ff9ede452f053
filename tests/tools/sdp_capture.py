#!/usr/bin/env python3
"""sdp_capture.py - capture real WebRTC offers of headless Chromium (the
offers of tests/fixtures/sdp/) and check that Chromium accepts an answer.

Usage: sdp_capture.py DIR PREF...     (PREF: vp8, h264, vp8dc, h264dc)

Serves sdp_capture.html on 127.0.0.1, runs chromium once per PREF and
writes DIR/PREF.out (the offer).  When DIR/PREF.answer exists (an answer
written for an earlier offer of the same PREF: Chromium's payload types
and mids do not change between runs), the page applies it and
DIR/PREF-result.out says "ok" or why not.  Not run by the test suite.
"""
import http.server
import os
import subprocess
import sys
import threading
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))


def handler(outdir):
    class H(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def name(self):
            q = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
            return os.path.basename(q.get('name', ['x'])[0])

        def reply(self, body, ctype='text/plain'):
            self.send_response(200)
            self.send_header('Content-Type', ctype)
            self.send_header('Content-Length', str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):
            body = self.rfile.read(int(self.headers['Content-Length']))
            with open(os.path.join(outdir, self.name() + '.out'), 'wb') as f:
                f.write(body)
            self.reply(b'')

        def do_GET(self):
            path = urllib.parse.urlparse(self.path).path
            if path == '/answer':
                a = os.path.join(outdir, self.name() + '.answer')
                self.reply(open(a, 'rb').read() if os.path.exists(a) else b'')
            elif path == '/page.html':
                with open(os.path.join(HERE, 'sdp_capture.html'), 'rb') as f:
                    self.reply(f.read(), 'text/html')
            else:
                self.send_error(404)
    return H


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    outdir = sys.argv[1]
    srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler(outdir))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    port = srv.server_address[1]
    for pref in sys.argv[2:]:
        cmd = ['chromium', '--no-sandbox', '--headless=new',
               '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
               '--allow-loopback-in-peer-connection',
               '--disable-features=WebRtcHideLocalIpsWithMdns',
               '--user-data-dir=' + os.path.join(outdir, 'profile-' + pref),
               'http://127.0.0.1:%d/page.html?pref=%s' % (port, pref)]
        try:
            subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           timeout=15)
        except subprocess.TimeoutExpired:
            pass  # the page has no way to close the browser: 15 s is its time
    srv.shutdown()


if __name__ == '__main__':
    main()
