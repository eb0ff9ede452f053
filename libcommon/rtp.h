/*
 * rtp.h - parsing RTP (RFC 3550) and compound RTCP (RFC 3550, RFC 4585
 * feedback), telling them apart on a muxed port (RFC 5761), and building
 * the RTCP packets a receiver sends: RR, SDES, and the key frame
 * requests PLI and FIR.
 *
 * Nothing here allocates.  Parsers never trust a length field: every
 * count and length is checked against the datagram before it is used,
 * and a bad packet is reported as AG_EX_DATAERR with a short reason.
 */
#ifndef AG_RTP_H
#define AG_RTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* One parsed RTP packet.  The pointers are borrowed from the buffer
 * given to ag_rtp_parse() and are valid as long as that buffer is. */
struct ag_rtp {
	bool padding;               /* P bit */
	bool extension;             /* X bit */
	bool marker;                /* M bit */
	uint8_t pt;                 /* payload type, 0..127 */
	uint16_t seq;
	uint32_t ts;
	uint32_t ssrc;
	int csrc_count;             /* CC, 0..15 */
	uint32_t csrc[15];
	uint16_t ext_profile;       /* "defined by profile" word; 0 without X */
	const uint8_t *ext;         /* extension data after its 4-byte header, or NULL */
	size_t ext_len;             /* bytes at ext (a multiple of 4) */
	const uint8_t *payload;     /* borrowed; NULL when payload_len is 0 */
	size_t payload_len;         /* without padding */
	size_t padding_len;         /* padding bytes removed, count byte included */
};

/*
 * true when buf looks like RTCP rather than RTP on a muxed port
 * (RFC 5761 section 4): version 2 and a second byte (RTCP packet type,
 * or RTP marker + payload type) in 192..223.
 */
bool ag_rtp_is_rtcp(const uint8_t *buf, size_t len);

/*
 * Parse the RTP packet buf[0..len) into out.  Only version 2 is
 * accepted.  Returns 0, or -1 with err (AG_EX_DATAERR) when the packet
 * is too short for its header, CSRCs or extension, or its padding
 * count is 0 or larger than what follows the header.  out borrows buf.
 */
int ag_rtp_parse(const uint8_t *buf, size_t len, struct ag_rtp *out, struct ag_error *err);

/* The RFC 6464 client-to-mixer audio level extension's URI (a=extmap). */
#define AG_RTP_EXT_AUDIO_LEVEL "urn:ietf:params:rtp-hdrext:ssrc-audio-level"

/*
 * The element id of packet p's header extension (RFC 8285: one-byte
 * headers, profile 0xBEDE, ids 1..14; two-byte headers, profile 0x100X,
 * ids 1..255).  Returns 0 and sets *data (borrowed from p's buffer) and
 * *len, or -1 when p has no such element, another profile, or elements
 * that overrun the extension (everything is checked against ext_len).
 */
int ag_rtp_ext_find(const struct ag_rtp *p, int id, const uint8_t **data, size_t *len);

/* RTCP packet types. */
enum {
	AG_RTCP_SR = 200,
	AG_RTCP_RR = 201,
	AG_RTCP_SDES = 202,
	AG_RTCP_BYE = 203,
	AG_RTCP_APP = 204,
	AG_RTCP_RTPFB = 205,  /* RFC 4585 transport-layer feedback (NACK ...) */
	AG_RTCP_PSFB = 206    /* RFC 4585 payload-specific feedback (PLI ...) */
};

#define AG_RTCP_MAX_SR 4        /* sender reports kept per compound */
#define AG_RTCP_MAX_RR 4        /* receiver report senders kept per compound */
#define AG_RTCP_MAX_REPORTS 31  /* report blocks kept per compound, SR and RR together */
#define AG_RTCP_MAX_CNAMES 31   /* SDES chunks with a CNAME kept per compound */
#define AG_RTCP_MAX_BYE 31      /* SSRCs kept from BYE packets per compound */
#define AG_RTCP_MAX_FB 8        /* feedback packets kept per compound */

/* A report block (RFC 3550 section 6.4.1), in an SR or an RR. */
struct ag_rtcp_report {
	uint32_t reporter;          /* SSRC of the SR/RR that carried it (ignored when building) */
	uint32_t ssrc;              /* the source reported on */
	uint8_t fraction_lost;      /* fixed point, /256 */
	int32_t cumulative_lost;    /* 24-bit signed on the wire */
	uint32_t ext_highest_seq;
	uint32_t jitter;            /* RTP timestamp units */
	uint32_t lsr;               /* middle 32 bits of the last SR's NTP time */
	uint32_t dlsr;              /* 1/65536 s since that SR */
};

/* The sender info of an SR. */
struct ag_rtcp_sr {
	uint32_t ssrc;
	uint64_t ntp;               /* 32.32 fixed point seconds since 1900 */
	uint32_t rtp_ts;            /* the same instant on the RTP clock */
	uint32_t packet_count;
	uint32_t octet_count;
};

/* An SDES chunk that carried a CNAME. */
struct ag_rtcp_cname {
	uint32_t ssrc;
	size_t len;                 /* bytes of text (may hold a NUL: check len) */
	char cname[256];            /* copied, NUL-terminated */
};

/* An RFC 4585 feedback packet. */
struct ag_rtcp_fb {
	uint8_t pt;                 /* AG_RTCP_RTPFB or AG_RTCP_PSFB */
	uint8_t fmt;                /* PSFB 1 = PLI, 4 = FIR; RTPFB 1 = NACK */
	uint32_t sender_ssrc;
	uint32_t media_ssrc;
};

/*
 * Everything ag_rtcp_parse() took from one compound packet.  Arrays
 * hold the first entries in wire order; the counts past the limits are
 * in the *_dropped fields.  No pointer into the datagram is kept.
 */
struct ag_rtcp {
	int packets;                /* RTCP packets in the compound */
	int nsr;
	struct ag_rtcp_sr sr[AG_RTCP_MAX_SR];
	int nrr;                    /* RR packets seen */
	uint32_t rr_ssrc[AG_RTCP_MAX_RR];  /* senders of the first RRs */
	int nreports;
	struct ag_rtcp_report reports[AG_RTCP_MAX_REPORTS];
	int reports_dropped;
	int ncnames;
	struct ag_rtcp_cname cnames[AG_RTCP_MAX_CNAMES];
	int nbye;
	uint32_t bye[AG_RTCP_MAX_BYE];
	int bye_dropped;
	int nfb;                    /* feedback packets kept */
	struct ag_rtcp_fb fb[AG_RTCP_MAX_FB];
	int npsfb;                  /* PSFB packets seen (kept or not) */
	int nrtpfb;                 /* RTPFB packets seen */
	int napp;                   /* APP packets seen (skipped) */
	int nunknown;               /* packets of other types (skipped: XR ...) */
};

/* Flag for ag_rtcp_parse_flags(): RFC 3550 appendix A.2 validity. */
#define AG_RTCP_STRICT 1u

/*
 * Parse the compound RTCP packet buf[0..len) into out (cleared first).
 * Every packet must be version 2 and fit the datagram exactly: lengths
 * that overrun, trailing bytes, bogus padding, and SR/RR/SDES/BYE/FB
 * bodies shorter than their counts say are errors.  Unknown packet
 * types are skipped.  Lenient about order: a compound need not start
 * with SR or RR (RFC 5506 reduced-size RTCP, a lone BYE).  Returns 0,
 * or -1 with err (AG_EX_DATAERR); after an error, out holds what the
 * packets before the bad one carried, for diagnostics only.
 */
int ag_rtcp_parse(const uint8_t *buf, size_t len, struct ag_rtcp *out, struct ag_error *err);

/*
 * The same with flags.  AG_RTCP_STRICT also rejects a compound whose
 * first packet is not SR or RR or has padding, and padding on any
 * packet but the last.
 */
int ag_rtcp_parse_flags(const uint8_t *buf, size_t len, unsigned flags, struct ag_rtcp *out,
    struct ag_error *err);

/*
 * Write an RFC 4585 Picture Loss Indication (PSFB, FMT 1; 12 bytes)
 * into buf.  Returns the bytes written, or 0 when size is too small.
 * RFC 3550 wants it after an RR in one datagram: build the RR first and
 * the PLI right after it (ag_rtcp_build_pli(buf + n, size - n, ...)).
 */
size_t ag_rtcp_build_pli(uint8_t *buf, size_t size, uint32_t sender_ssrc, uint32_t media_ssrc);

/*
 * Write an RFC 5104 Full Intra Request (PSFB, FMT 4; 20 bytes) for
 * media_ssrc into buf; its media source field is 0, the FCI names the
 * stream.  seq is the request's sequence number: the same for a repeat
 * of one request, one more for a new request (RFC 5104 4.3.1.1).
 * Returns the bytes written, or 0 when size is too small.
 */
size_t ag_rtcp_build_fir(uint8_t *buf, size_t size, uint32_t sender_ssrc, uint32_t media_ssrc,
    uint8_t seq);

/*
 * Write a receiver report from sender_ssrc with the one report block rb
 * (rb->reporter is ignored; cumulative_lost is clamped to 24 bits
 * signed) into buf: 32 bytes.  Returns the bytes written, or 0 when
 * size is too small.
 */
size_t ag_rtcp_build_rr(uint8_t *buf, size_t size, uint32_t sender_ssrc,
    const struct ag_rtcp_report *rb);

/*
 * Write a REMB (draft-alvestrand-rmcat-remb: PSFB, FMT 15, "REMB"):
 * the receiver's estimate of the bitrate it takes, bps, for the
 * streams ssrcs[0..n) (n 1..255).  Returns the bytes written (20 + 4n),
 * or 0 when size is too small or n out of range.
 */
size_t ag_rtcp_build_remb(uint8_t *buf, size_t size, uint32_t sender_ssrc, uint64_t bps,
    const uint32_t *ssrcs, int n);

/*
 * Write an SDES packet with one chunk: ssrc and the CNAME cname (at
 * most 255 bytes).  RFC 3550 wants one in every compound; append it to
 * the RR.  Returns the bytes written, or 0 when size is too small or
 * cname too long.
 */
size_t ag_rtcp_build_sdes(uint8_t *buf, size_t size, uint32_t ssrc, const char *cname);

/* NTP epoch (1900) to Unix epoch (1970), in seconds. */
#define AG_NTP_UNIX_OFFSET 2208988800u

/*
 * A 32.32 NTP timestamp in microseconds since the NTP epoch (1900),
 * rounded down.  Subtract AG_NTP_UNIX_OFFSET * 1000000 for Unix time.
 */
uint64_t ag_rtp_ntp_to_us(uint64_t ntp);

/* The middle 32 bits of an NTP timestamp, as RR's LSR field wants it. */
uint32_t ag_rtp_ntp_middle(uint64_t ntp);

#endif
