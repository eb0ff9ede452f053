/*
 * jitter.h - a per-SSRC RTP jitter buffer (design.md 3.2).
 *
 * Pure logic: no I/O, no clock reads; every call that needs the time
 * takes the caller's now_ms (any monotonic millisecond clock, the same
 * one for every call on one buffer).
 *
 * Packets go in parsed (struct ag_rtp, rtp.h: the caller parses each
 * datagram once) by their 16-bit RTP sequence number and come out, still
 * parsed, in order by their extended sequence number (ext_seq): the 16-bit number
 * unwrapped across 65535 -> 0.  ext_seq's low 16 bits are the RTP
 * sequence number; the first packet of a buffer gets cycle 1 (ext_seq =
 * 65536 + seq) so that packets sent just before it still unwrap below
 * it, and a sender restart moves to a higher cycle, so the ext_seq of
 * released packets strictly increases over the life of a buffer.
 *
 * Release rules (ag_jb_pop):
 *  - the next expected packet is released as soon as it is there;
 *  - otherwise, once the packet that arrived earliest among those held
 *    has waited max_wait_ms, the gap before the lowest held packet is
 *    given up (counted as lost; lost_before is set on the packet) and
 *    that packet is released;
 *  - under pressure (capacity packets held, or fewer than max_packet
 *    bytes of the byte budget left) the gap is given up at once, so a
 *    caller that pops until empty after every push never sees a push
 *    refused as AG_JB_FULL;
 *  - the first packet (and the first after a restart) is held for
 *    max_wait_ms too, so that packets reordered at the very start of a
 *    stream are not lost.
 *
 * A packet whose sequence number is more than AG_JB_RESTART_JUMP away
 * (forward or backward) from the highest seen is held aside as a
 * possible sender restart.  When the next packet lands within
 * AG_JB_RESTART_JUMP of it, the restart is confirmed: the packets still
 * buffered from the old numbering are dropped (counted as lost), the
 * counter `resets` goes up and both packets are buffered in a new cycle.
 * A held packet that is never confirmed (replaced by another far packet,
 * or older than AG_JB_PROBATION_MS) is counted as `stray` and dropped:
 * one corrupt or stray packet does not wipe the buffer (RFC 3550 A.1).
 */
#ifndef AG_JITTER_H
#define AG_JITTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "rtp.h"

#define AG_JB_DEFAULT_CAPACITY   512              /* packets held at most */
#define AG_JB_DEFAULT_MAX_WAIT   60               /* ms */
#define AG_JB_DEFAULT_MAX_PACKET 65536            /* bytes per packet */
#define AG_JB_DEFAULT_MAX_BYTES  (4u << 20)       /* bytes held at most */
#define AG_JB_MAX_CAPACITY       32768
#define AG_JB_RESTART_JUMP       3000             /* sequence jump taken as a restart */
#define AG_JB_PROBATION_MS       1000             /* how long a restart candidate waits */

struct ag_jb;

/* Limits; a zero field takes its default. */
struct ag_jb_config {
	int capacity;        /* 2..AG_JB_MAX_CAPACITY packets */
	int max_wait_ms;     /* 0..10000; how long a gap is waited for */
	size_t max_packet;   /* 1..65536 bytes of payload and header extension;
	                      * larger packets are refused */
	size_t max_bytes;    /* >= 2 * max_packet; payload bytes held at most */
};

/* What ag_jb_push did with a packet (all but STORED and RESET drop it). */
enum ag_jb_verdict {
	AG_JB_STORED,      /* buffered */
	AG_JB_RESET,       /* confirmed a sender restart; buffered in a new cycle */
	AG_JB_HELD,        /* a big jump: held aside until a second packet confirms it */
	AG_JB_DUPLICATE,   /* already buffered, or already released */
	AG_JB_LATE,        /* its turn has passed (its gap was given up) */
	AG_JB_FULL,        /* capacity or byte budget reached (caller did not pop) */
	AG_JB_TOOBIG,      /* longer than max_packet */
};

struct ag_jb_counters {
	uint64_t received;    /* every ag_jb_push call with a packet */
	uint64_t duplicates;
	uint64_t late;
	uint64_t lost;        /* sequence numbers given up, plus packets dropped by a restart */
	uint64_t resets;      /* confirmed sender restarts */
	uint64_t reordered;   /* stored packets that arrived after a higher sequence number */
	uint64_t stray;       /* restart candidates never confirmed */
	uint64_t refused;     /* AG_JB_FULL and AG_JB_TOOBIG */
};

/* A released packet. */
struct ag_jb_packet {
	struct ag_rtp rtp;    /* as pushed, its payload and ext pointing into data */
	uint8_t *data;        /* new: the caller frees it with free(); never NULL;
	                       * the payload, then the header extension data */
	size_t len;           /* rtp.payload_len + rtp.ext_len */
	uint32_t ext_seq;     /* extended sequence number (low 16 bits = RTP seq) */
	uint16_t seq;
	int64_t arrival_ms;   /* the now_ms of its push */
	uint64_t user;        /* as given to ag_jb_push */
	uint32_t lost;        /* sequence numbers given up just before this one */
	bool lost_before;     /* lost > 0 or restart: the stream is discontinuous here */
	bool restart;         /* first packet after a confirmed sender restart */
};

/*
 * A new, empty buffer (free with ag_jb_free).  cfg may be NULL for the
 * defaults.  Returns NULL with err (AG_EX_USAGE for bad limits,
 * AG_EX_FAIL when out of memory).
 */
struct ag_jb *ag_jb_new(const struct ag_jb_config *cfg, struct ag_error *err);

/* Free the buffer and every packet it holds.  NULL is fine. */
void ag_jb_free(struct ag_jb *jb);

/*
 * Offer one parsed RTP packet: pkt->seq is its sequence number; its
 * header is copied and its payload and extension data too (pkt and what
 * it points to are only read during the call; the payload may be empty),
 * user an opaque value handed back on release.  Returns an enum ag_jb_verdict
 * (>= 0; anything but STORED and RESET means the packet was dropped and
 * counted), or -1 with err (AG_EX_FAIL) when out of memory.  Call
 * ag_jb_pop until it returns 0 after each push.
 */
int ag_jb_push(struct ag_jb *jb, const struct ag_rtp *pkt, int64_t now_ms, uint64_t user,
    struct ag_error *err);

/*
 * Release the next packet if the rules above allow it at now_ms:
 * returns 1 and fills out (out->data is new: the caller frees it), or 0
 * when nothing can be released yet (out untouched).
 */
int ag_jb_pop(struct ag_jb *jb, int64_t now_ms, struct ag_jb_packet *out);

/*
 * The earliest now_ms at which ag_jb_pop could release something, or -1
 * when the buffer is empty.  A value <= the current time means "pop
 * now"; use it to compute a poll timeout.
 */
int64_t ag_jb_next_deadline(const struct ag_jb *jb);

/* Packets currently held (not counting a restart candidate). */
size_t ag_jb_count(const struct ag_jb *jb);

/* The counters so far (borrowed: valid until ag_jb_free). */
const struct ag_jb_counters *ag_jb_counters(const struct ag_jb *jb);

#endif
