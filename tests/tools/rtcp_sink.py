#!/usr/bin/env python3
"""rtcp_sink.py - a loopback UDP socket that takes key frame requests, for
agrec's tests: it plays the RTCP socket of a forwarder (Janus's
rtp_forward), or any place feedback is configured to go.

  rtcp_sink.py --out FILE [--port P] [--latch HOST:PORT] [--duration S]

Binds 127.0.0.1:P (0, the default, picks a free port) and writes
"port N" to FILE at once.  With --latch, on SIGUSR1 (so a test sends it
when the receiver listens, however long Python takes to start), it
sends two 12-byte RTP headers (version 2, every other bit 0) from that
socket to HOST:PORT, as Janus does to announce its RTCP socket, and
adds the line "latched" to FILE.  Every RTCP datagram received is
counted; FILE is rewritten (atomically) after each one:
  port N
  pli COUNT SSRC...      media SSRCs of the PLIs (PSFB FMT 1), decimal
  fir COUNT SSRC...      SSRCs in the FCI of the FIRs (PSFB FMT 4)
  other COUNT
Exits after --duration seconds (default 30) or on SIGTERM.
"""
import argparse
import os
import signal
import socket
import struct
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--latch")
    ap.add_argument("--duration", type=float, default=30)
    a = ap.parse_args()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", a.port))
    port = s.getsockname()[1]
    pli, fir, other = [], [], 0
    latched = [False]

    def write():
        tmp = a.out + ".tmp"
        with open(tmp, "w") as f:
            f.write("port %d\n" % port)
            f.write("pli %d %s\n" % (len(pli), " ".join(str(x) for x in sorted(set(pli)))))
            f.write("fir %d %s\n" % (len(fir), " ".join(str(x) for x in sorted(set(fir)))))
            f.write("other %d\n" % other)
            if latched[0]:
                f.write("latched\n")
        os.replace(tmp, a.out)

    def latch(*_):
        host, p = a.latch.rsplit(":", 1)
        hdr = bytes([0x80]) + bytes(11)
        s.sendto(hdr, (host, int(p)))
        s.sendto(hdr, (host, int(p)))
        latched[0] = True
        write()

    if a.latch and a.latch.rsplit(":", 1)[0] not in ("127.0.0.1", "::1"):
        sys.exit("rtcp_sink.py: loopback only")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    if a.latch:
        signal.signal(signal.SIGUSR1, latch)
    write()
    end = time.monotonic() + a.duration
    while True:
        left = end - time.monotonic()
        if left <= 0:
            break
        s.settimeout(left)
        try:
            b, _ = s.recvfrom(2048)
        except socket.timeout:
            break
        # Walk the compound packet.
        off, seen = 0, False
        while off + 4 <= len(b) and b[off] >> 6 == 2:
            fmt, pt = b[off] & 31, b[off + 1]
            ln = (struct.unpack("!H", b[off + 2:off + 4])[0] + 1) * 4
            body = b[off:off + ln]
            if pt == 206 and fmt == 1 and len(body) >= 12:
                pli.append(struct.unpack("!I", body[8:12])[0])
                seen = True
            elif pt == 206 and fmt == 4 and len(body) >= 20:
                fir.append(struct.unpack("!I", body[12:16])[0])
                seen = True
            off += ln
        if not seen:
            other += 1
        write()


if __name__ == "__main__":
    main()
