/*
 * sdp.h - a WebRTC SDP offer (RFC 8866, RFC 8829's JSEP shape) as data,
 * the choice a recorder makes from it, and the answer it sends: what a
 * WHIP endpoint (RFC 9725) needs.  ICE-lite (RFC 8839), BUNDLE (RFC
 * 9143), rtcp-mux (RFC 5761), DTLS-SRTP fingerprints and roles (RFC
 * 8122, RFC 8842).
 *
 * The recorder takes Opus audio and H.264 (packetization-mode 1) or VP8
 * video, receives only, and answers every other section with port 0.
 */
#ifndef AG_SDP_H
#define AG_SDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define AG_SDP_MAX_MEDIA 16
#define AG_SDP_MAX_CODECS 32
#define AG_SDP_MAX_SSRCS 8
#define AG_SDP_MAX_BUNDLE 16
#define AG_SDP_MAX_TEXT (64 * 1024)     /* a longer offer is refused */

enum ag_sdp_dir { AG_SDP_SENDRECV, AG_SDP_SENDONLY, AG_SDP_RECVONLY, AG_SDP_INACTIVE };

/*
 * One a=rtpmap payload type, with its a=fmtp and a=rtcp-fb lines.  A
 * section whose protocol is not RTP (m=application ... webrtc-datachannel)
 * holds its formats as codecs with pt -1 and the format in name.
 */
struct ag_sdp_codec {
	int pt;
	char name[32];              /* as written: "opus", "H264", "VP8", "rtx", ... */
	int rate, channels;         /* channels 1 when not written */
	char fmtp[256];             /* the a=fmtp parameters, "" when none */
	bool nack, pli, fir, remb, twcc;   /* a=rtcp-fb: nack, nack pli, ccm fir, goog-remb, transport-cc */
};

struct ag_sdp_ssrc {
	uint32_t ssrc;
	char cname[64];             /* "" when no a=ssrc:N cname: line */
};

/*
 * One m= section.  ufrag, pwd, fingerprint and setup are the section's
 * own or, when it has none, the session's (so each section holds what
 * applies to it).
 */
struct ag_sdp_media {
	char kind[16];              /* "audio", "video", "application", ... */
	int port;
	char proto[48];             /* "UDP/TLS/RTP/SAVPF", ... */
	char mid[64];               /* "" when none */
	enum ag_sdp_dir dir;
	bool rtcp_mux;
	char ufrag[256], pwd[256];
	char fp_alg[16];            /* lower case: "sha-256", ... "" when none */
	char fp[200];               /* upper-case hex bytes with colons */
	char setup[16];             /* "actpass", "active", "passive", "" */
	struct ag_sdp_codec codecs[AG_SDP_MAX_CODECS];
	int ncodecs;
	struct ag_sdp_ssrc ssrcs[AG_SDP_MAX_SSRCS];
	int nssrcs;
	int level_ext;              /* a=extmap id of RFC 6464 audio levels, 0: none */
};

struct ag_sdp {
	char bundle[AG_SDP_MAX_BUNDLE][64];  /* the mids of the first a=group:BUNDLE */
	int nbundle;
	bool ice_lite;
	struct ag_sdp_media media[AG_SDP_MAX_MEDIA];
	int nmedia;
};

/*
 * Parse an offer (len bytes, borrowed; lines end in CRLF or LF; at most
 * AG_SDP_MAX_TEXT).  Returns a new struct ag_sdp (the caller frees it
 * with free()), or NULL with err (AG_EX_DATAERR) saying what is wrong in
 * words fit for an HTTP 400 body: "line 7: a=rtpmap: bad payload type".
 * Lines and attributes it does not know are skipped; sections past
 * AG_SDP_MAX_MEDIA, codecs past AG_SDP_MAX_CODECS are errors.
 */
struct ag_sdp *ag_sdp_parse(const char *text, size_t len, struct ag_error *err);

/*
 * An a=extmap value (RFC 8285): "ID[/DIRECTION] URI [ATTRIBUTES]", the
 * text after "a=extmap:" (borrowed).  Returns the id (1..255) when the
 * URI is uri, 0 when it is another, -1 when v is malformed.
 */
int ag_sdp_extmap(const char *v, const char *uri);

/* What the recorder takes from an offer (ag_sdp_pick). */
struct ag_sdp_pick {
	int audio, video;           /* the media index taken for each, -1: none */
	int codec[AG_SDP_MAX_MEDIA];/* per media: the index of the codec taken, -1: rejected */
};

/*
 * Choose: the first audio section with Opus and the first video section
 * with H.264 packetization-mode 1 or VP8 (the offer's order of
 * preference within it), each sendonly or sendrecv.  Returns 0; -1 with
 * err (AG_EX_DATAERR) and *status an HTTP status when the offer cannot
 * be taken: no ICE credentials, no fingerprint, setup:passive only, no
 * rtcp-mux, taken sections not bundled (400), nothing in common (406,
 * naming what the offer has and what agrec takes).
 */
int ag_sdp_pick(const struct ag_sdp *offer, struct ag_sdp_pick *p, int *status,
    struct ag_error *err);

/* What the answer says of the recorder. */
struct ag_sdp_local {
	const char *ufrag, *pwd;            /* our ICE credentials */
	const char *fingerprint;            /* "sha-256 AB:CD:..." of our DTLS certificate */
	const char *const *addrs;           /* candidate addresses, numeric (IPv4 or IPv6) */
	int naddrs;
	int port;                           /* the UDP port they share */
	int max_kbps;                       /* b=AS on the video section; 0: none */
	uint64_t session_id;                /* the o= line's */
};

/*
 * The answer to offer for pick p: ice-lite, BUNDLE of the taken
 * sections, rtcp-mux, recvonly, setup:passive, one codec per taken
 * section with its fmtp and the feedback the recorder gives (nack pli,
 * ccm fir when offered, goog-remb), the audio section's RFC 6464 a=extmap
 * when offered (so that the sender keeps sending audio levels), host
 * candidates; every other section
 * with port 0.  Returns a new NUL-terminated string (free()), or NULL
 * with err.
 */
char *ag_sdp_answer(const struct ag_sdp *offer, const struct ag_sdp_pick *p,
    const struct ag_sdp_local *local, struct ag_error *err);

#endif
