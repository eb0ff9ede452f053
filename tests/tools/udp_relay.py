#!/usr/bin/env python3
"""udp_relay.py - a loopback-only UDP relay that impairs RTP, for agrec's tests.

Listens on HOST:IN (RTP, and RTCP when muxed) and HOST:IN+1 (RTCP) and
forwards every datagram to DEST:OUT and DEST:OUT+1 respectively.  A seeded
random policy is applied to RTP packets only; RTCP (second byte 192..223,
RFC 5761) passes untouched, on either port.

Policy, per RTP packet, from random.Random("SEED:SSRC") with four draws per
packet whatever the outcome (so the n-th packet of an SSRC gets the same fate
on every run with the same seed, however the streams interleave):
  --loss P     drop it
  --dup P      send it twice, back to back
  --reorder P  hold it and send it after the next 1-3 RTP packets forwarded
               on its port (or after --max-hold-ms when no packet follows)
A dropped packet is neither duplicated nor held.

--log FILE writes one CSV line per RTP packet received, in arrival order:
  port,ssrc,pt,seq,timestamp,marker,action
with action one of fwd, drop, dup, hold, dup+hold (ssrc in hex).

Exits after --duration S, or --idle S without packets once one has arrived,
or on SIGINT/SIGTERM; held packets are flushed first.  Then prints one JSON
line on stdout (or writes it to --json FILE):
  {"seed": N, "ports": {"IN": {"received": .., "rtp": .., "rtcp": ..,
   "forwarded": .., "dropped": .., "duplicated": .., "reordered": ..}, ...}}
"received" counts datagrams in, "forwarded" datagrams out (duplicates
included).  Only loopback addresses (127.0.0.0/8, ::1) are accepted.
"""
import argparse
import ipaddress
import json
import random
import select
import signal
import socket
import struct
import sys
import time


def loopback(host):
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an IP address: {host!r}")
    if not ip.is_loopback:
        raise argparse.ArgumentTypeError(f"refusing non-loopback address {host}")
    return str(ip)


def port(s):
    p = int(s)
    if not 1 <= p <= 65534:
        raise argparse.ArgumentTypeError(f"port out of range: {s}")
    return p


def prob(s):
    p = float(s)
    if not 0.0 <= p <= 1.0:
        raise argparse.ArgumentTypeError(f"probability out of [0, 1]: {s}")
    return p


def is_rtcp(d):
    return len(d) >= 2 and 192 <= d[1] <= 223


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--in", dest="inp", type=port, required=True, help="listen on IN and IN+1")
    ap.add_argument("--out", type=port, required=True, help="forward to OUT and OUT+1")
    ap.add_argument("--host", type=loopback, default="127.0.0.1", help="listen address (loopback)")
    ap.add_argument("--dest", type=loopback, default="127.0.0.1", help="forward address (loopback)")
    ap.add_argument("--loss", type=prob, default=0.0)
    ap.add_argument("--dup", type=prob, default=0.0)
    ap.add_argument("--reorder", type=prob, default=0.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--duration", type=float, default=60.0)
    ap.add_argument("--idle", type=float, default=0.0, help="0: never")
    ap.add_argument("--max-hold-ms", type=float, default=200.0)
    ap.add_argument("--json", metavar="FILE")
    ap.add_argument("--log", metavar="FILE", help="one CSV line per RTP packet")
    a = ap.parse_args()

    fam = socket.AF_INET6 if ":" in a.host else socket.AF_INET
    socks = []  # (socket, listen port, destination)
    for off in (0, 1):
        s = socket.socket(fam, socket.SOCK_DGRAM)
        s.bind((a.host, a.inp + off))
        s.setblocking(False)
        socks.append((s, a.inp + off, (a.dest, a.out + off)))
    out = socket.socket(socket.AF_INET6 if ":" in a.dest else socket.AF_INET, socket.SOCK_DGRAM)

    stats = {str(p): dict(received=0, rtp=0, rtcp=0, forwarded=0, dropped=0, duplicated=0, reordered=0)
             for _, p, _ in socks}
    rngs = {}
    held = []  # [data, dest, stats, packets still to wait for, deadline, copies]
    stop = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.append(1))

    def send(d, dest, st, copies=1):
        for _ in range(copies):
            try:
                out.sendto(d, dest)
                st["forwarded"] += 1
            except OSError:
                pass  # nobody listening (ICMP refused): keep relaying

    def release(dest, now, force=False):
        # one RTP packet went to dest: held packets for dest count it down
        for h in list(held):
            if h[1] == dest and not force:
                h[3] -= 1
            if force or h[3] <= 0 or now >= h[4]:
                held.remove(h)
                send(h[0], h[1], h[2], h[5])

    log = open(a.log, "w") if a.log else None
    if log:
        log.write("port,ssrc,pt,seq,timestamp,marker,action\n")
    t0 = time.monotonic()
    last = None
    while not stop:
        now = time.monotonic()
        if now - t0 >= a.duration or (a.idle > 0 and last is not None and now - last >= a.idle):
            break
        r, _, _ = select.select([s for s, _, _ in socks], [], [], 0.05)
        now = time.monotonic()
        for h in [h for h in held if now >= h[4]]:
            held.remove(h)
            send(h[0], h[1], h[2], h[5])
        for s, p, dest in socks:
            if s not in r:
                continue
            while True:
                try:
                    d = s.recv(65535)
                except (BlockingIOError, InterruptedError):
                    break
                last = time.monotonic()
                st = stats[str(p)]
                st["received"] += 1
                if is_rtcp(d):
                    st["rtcp"] += 1
                    send(d, dest, st)  # RTCP passes untouched
                    continue
                if len(d) < 12 or (d[0] >> 6) != 2:
                    send(d, dest, st)  # not RTP: passes untouched too
                    continue
                st["rtp"] += 1
                ssrc = struct.unpack("!I", d[8:12])[0]
                rng = rngs.get(ssrc)
                if rng is None:
                    rng = rngs[ssrc] = random.Random(f"{a.seed}:{ssrc}")
                x_loss, x_dup, x_re, x_depth = rng.random(), rng.random(), rng.random(), rng.random()
                drop = x_loss < a.loss
                copies = 1 if drop or x_dup >= a.dup else 2
                hold = not drop and x_re < a.reorder
                if log:
                    seq, ts = struct.unpack("!HI", d[2:8])
                    act = "drop" if drop else "+".join(
                        [w for w, on in (("dup", copies == 2), ("hold", hold)) if on]) or "fwd"
                    log.write(f"{p},{ssrc:08x},{d[1] & 0x7f},{seq},{ts},{d[1] >> 7},{act}\n")
                if drop:
                    st["dropped"] += 1
                    continue
                if copies == 2:
                    st["duplicated"] += 1
                if hold:
                    st["reordered"] += 1
                    held.append([d, dest, st, 1 + int(x_depth * 3), last + a.max_hold_ms / 1000.0, copies])
                    continue
                send(d, dest, st, copies)
                release(dest, last)
    release(None, time.monotonic(), force=True)
    if log:
        log.close()

    line = json.dumps({"seed": a.seed, "ports": stats}, sort_keys=True)
    if a.json:
        with open(a.json, "w") as f:
            f.write(line + "\n")
    else:
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
