#!/usr/bin/env python3
"""rtp_flood.py - send hostile RTP at a loopback port, for agrec-record's
tests: well-formed RTP headers (version 2, a payload type the recorder
maps) from thousands of random SSRCs, plus random bytes and absurd
lengths.  Loopback only; bounded by --packets and --seconds.

usage: rtp_flood.py --port P [--packets N] [--seconds S] [--pt PT] [--seed N]
"""
import argparse
import random
import socket
import struct
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--packets", type=int, default=20000)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--pt", type=int, default=111)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    if not a.host.startswith("127."):
        sys.exit("rtp_flood.py: loopback only")
    rnd = random.Random(a.seed)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    t0 = time.monotonic()
    sent = 0
    for i in range(a.packets):
        kind = i % 10
        if kind < 7:      # a new SSRC each time: the flood
            hdr = struct.pack("!BBHII", 0x80, a.pt, rnd.randrange(65536),
                              rnd.randrange(1 << 32), rnd.randrange(1 << 32))
            pkt = hdr + bytes([0xfc]) + rnd.randbytes(rnd.randrange(1, 200))
        elif kind < 9:    # random bytes
            pkt = rnd.randbytes(rnd.randrange(1, 1400))
        else:             # an RTP header claiming CSRCs and an extension it does not have
            pkt = struct.pack("!BBHII", 0x9f, a.pt, 1, 2, 3) + b"\xff" * rnd.randrange(0, 12)
        try:
            s.sendto(pkt, (a.host, a.port))
            sent += 1
        except OSError:
            pass
        # pace: spread the packets over --seconds
        due = t0 + a.seconds * (i + 1) / a.packets
        delay = due - time.monotonic()
        if delay > 0.001:
            time.sleep(delay)
    print('{"sent": %d, "seconds": %.2f}' % (sent, time.monotonic() - t0))


if __name__ == "__main__":
    main()
