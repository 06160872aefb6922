/*
 * guard.h - notice port scans against this host and block them safely: the
 * library behind `portier guard`.
 *
 * The pipeline: capture (AF_PACKET, inbound packets only) -> the packet
 * parser (pure, fuzzed) turns bytes into a probe record -> the judge says
 * whether a probe failed (closed port, packet of no known connection),
 * succeeded (an open, listening service) or is neutral (part of a live
 * connection) -> the detector keeps per-source state in a bounded LRU and
 * runs a sequential hypothesis test (Threshold Random Walk, Jung, Paxson,
 * Berger, Balakrishnan, IEEE S&P 2004) plus a slow-scan window over it ->
 * an alert with a classification -> the blocker puts the source into an
 * nftables set with a per-element timeout, in guard's own table
 * `inet portier_guard`, behind an accept rule for the allowlist.
 *
 * The parser, the judge, the detector, the classifier, the allowlist and the
 * checkpoint format are pure over their inputs, so the unit tests drive them
 * with synthetic probe streams; only capture.c, sys.c (through the socket
 * table of local.h), sysaddr.c, nft.c and nftmon.c touch the system.  The
 * blocker's side (guard's nftables table, its events and the restore of
 * remembered bans) is declared in guard_nft.h.
 *
 * Ownership: objects returned through **out are freed with their _free
 * function.  Addresses and prefixes are addr.h's types; only the probe
 * record keeps the packet's raw form (one family, two 16-byte arrays),
 * which portier_guard_probe_src/_dst turn into addresses.
 */
#ifndef PORTIER_GUARD_H
#define PORTIER_GUARD_H

#include "portier/addr.h"
#include "portier/common.h"

/* ---- probes --------------------------------------------------------------- */

/* TCP flags (RFC 9293 3.1). */
#define PG_FIN 0x01
#define PG_SYN 0x02
#define PG_RST 0x04
#define PG_PSH 0x08
#define PG_ACK 0x10
#define PG_URG 0x20

/* TCP options seen, a mask (RFC 9293 3.2, RFC 7323, RFC 2018). */
#define PG_OPT_MSS    0x01
#define PG_OPT_WS     0x02
#define PG_OPT_SACKOK 0x04
#define PG_OPT_TS     0x08
#define PG_OPT_OTHER  0x10

/* One inbound packet as the detector sees it. */
struct portier_guard_probe {
	uint64_t ts_us;		  /* arrival, microseconds (any epoch) */
	uint8_t family;		  /* 4 or 6 */
	uint8_t proto;		  /* IPPROTO_TCP, _UDP, _ICMP, _ICMPV6 */
	uint8_t src[16], dst[16]; /* network order, IPv4 in the first 4 */
	uint16_t sport, dport;	  /* host order; 0 for ICMP */
	uint8_t tcp_flags;
	uint8_t ttl; /* TTL or hop limit */
	uint16_t window;
	uint16_t ip_id;	  /* IPv4 only */
	uint16_t mss;	  /* MSS option value, 0 if absent */
	uint8_t opt_mask; /* PG_OPT_* */
	uint8_t opt_len;  /* bytes of TCP options */
	uint8_t icmp_type, icmp_code;
	uint16_t payload; /* layer-4 payload bytes (as the headers say) */
	bool outgoing;	  /* sent by this host (capture sets it) */
	/* The layer-4 header is not all there: a first fragment too short
	 * for it (nmap -f: ports known, TCP flags maybe not), or IPv6
	 * extension headers running past the captured bytes (proto 0, no
	 * ports).  Its kind is PG_KIND_OTHER and it is judged like a SYN. */
	bool partial;
};

enum portier_guard_link {
	PORTIER_GUARD_LINK_ETH, /* Ethernet II, optionally 802.1Q tagged */
	PORTIER_GUARD_LINK_IP,	/* starts at the IP header (tun, cooked) */
};

/*
 * Parse one packet.  0 with *p filled for an IPv4/IPv6 packet carrying TCP,
 * UDP, ICMP or ICMPv6 (IPv6 extension headers are walked); PORTIER_ENOENT
 * for anything else (ARP, other protocols, non-first fragments);
 * PORTIER_EPROTO for a truncated or inconsistent header.  A first fragment
 * with at least the 4 bytes of ports, and an IPv6 packet whose extension
 * headers run past len, are probes with p->partial set.  Pure.
 */
PORTIER_API int portier_guard_parse(const uint8_t *buf, size_t len,
				    enum portier_guard_link link,
				    struct portier_guard_probe *p);

/* The probe's source and destination as addresses. */
PORTIER_API struct portier_addr
portier_guard_probe_src(const struct portier_guard_probe *p);
PORTIER_API struct portier_addr
portier_guard_probe_dst(const struct portier_guard_probe *p);

/* What a probe looks like to a scan classifier. */
enum portier_guard_kind {
	PG_KIND_SYN,	 /* SYN from a raw-packet scanner (half-open) */
	PG_KIND_CONNECT, /* SYN with an OS stack's options (connect()) */
	PG_KIND_FIN,
	PG_KIND_NULL,
	PG_KIND_XMAS, /* FIN+PSH+URG */
	PG_KIND_ACK,
	PG_KIND_MAIMON, /* FIN+ACK */
	PG_KIND_UDP,
	PG_KIND_OTHER, /* other TCP flag mixes without a connection, and
			    partial probes (fragments: flags unknown) */
	PG_KIND_NONE,  /* not a probe: RST, SYN+ACK, ICMP, data */
	PG_KIND_COUNT
};

/* Pure: the kind of a probe from its flags and options. */
PORTIER_API enum portier_guard_kind
portier_guard_kind_of(const struct portier_guard_probe *p);
/* "syn", "connect", "fin", "null", "xmas", "ack", "maimon", "udp", ... */
PORTIER_API const char *portier_guard_kind_name(enum portier_guard_kind k);

/* ---- judging a probe -------------------------------------------------------- */

enum portier_guard_outcome {
	PG_NEUTRAL, /* part of a connection, or not a probe */
	PG_SUCCESS, /* reached a listening service */
	PG_FAILURE, /* closed port, or a packet of no connection */
};

/*
 * What the judge asks the system.  listening: is something listening on
 * (proto, dst, dport)?  connected: does a TCP socket exist for this exact
 * 4-tuple (any state but LISTEN)?  Both may be called with the probe only.
 */
struct portier_guard_env {
	bool (*listening)(void *ctx, const struct portier_guard_probe *p);
	bool (*connected)(void *ctx, const struct portier_guard_probe *p);
	void *ctx;
};

struct portier_guard_judge;

/* A judge with a cache of n_flows recently opened connections. */
PORTIER_API int portier_guard_judge_new(struct portier_guard_judge **out,
					size_t n_flows,
					const struct portier_guard_env *env);
PORTIER_API void portier_guard_judge_free(struct portier_guard_judge *j);
/*
 * The outcome of probe p of kind k.  An outgoing packet is always neutral
 * but teaches the judge a flow (this host's own connections and queries),
 * so that replies to it are neutral too.  An inbound SYN or UDP datagram
 * succeeds when something listens there and fails otherwise; a TCP packet
 * without SYN is neutral when it belongs to a connection this judge saw open
 * or the socket table knows, a failure (an invalid-state probe) otherwise;
 * RST is always neutral (it never opens anything).
 */
PORTIER_API enum portier_guard_outcome
portier_guard_judge(struct portier_guard_judge *j,
		    const struct portier_guard_probe *p,
		    enum portier_guard_kind k);

/* ---- the detector ---------------------------------------------------------- */

struct portier_guard_config {
	/* TRW: success probability of a benign source and of a scanner. */
	double theta0, theta1;
	/* Wanted detection and false-positive probabilities (thresholds). */
	double pd, pf;
	/* Slow-scan window: this many distinct failed ports in window_s. */
	unsigned slow_ports;
	uint32_t window_s;   /* also: how long idle state is kept */
	size_t max_sources;  /* LRU cap on tracked sources */
	uint32_t ban_s;	     /* first ban */
	uint32_t ban_max_s;  /* longest ban */
	unsigned ban_factor; /* each repeat offence multiplies by this */
	uint32_t group_s; /* alerts this close with shared ports: one event */
};

/* Jung et al.'s values: theta0 0.8, theta1 0.2, PD 0.99, PF 0.01; slow
 * window 10 ports in 24 h; 32,768 sources; bans 600 s x4 up to 7 days. */
PORTIER_API void portier_guard_config_default(struct portier_guard_config *cfg);

#define PORTIER_GUARD_PORTS_KEPT 32

/* One touched port of a source (the most recent PORTIER_GUARD_PORTS_KEPT). */
struct portier_guard_touch {
	uint32_t t_s; /* seconds since the source's first probe */
	uint16_t port;
	uint8_t proto;
	uint8_t outcome : 4; /* enum portier_guard_outcome */
	uint8_t host : 4;    /* index into hosts[], PORTIER_GUARD_HOST_OTHER */
};

/* This host's addresses a source probed: the first few are kept. */
#define PORTIER_GUARD_HOSTS_KEPT 4
#define PORTIER_GUARD_HOST_OTHER 15

enum portier_guard_reason {
	PG_REASON_NONE,
	PG_REASON_TRW,	/* the random walk crossed the upper threshold */
	PG_REASON_SLOW, /* the slow-scan window filled */
};

/* Everything known about one source address. */
struct portier_guard_source {
	struct portier_addr addr;
	uint64_t first_us, last_us;
	uint64_t flagged_us;   /* 0 while not flagged */
	uint64_t ban_until_us; /* 0 if never banned; while not flagged,
				      a pending retry (det_unflag) */
	double llr;	       /* log likelihood ratio of the walk */
	uint32_t probes;       /* probe packets (not neutral) */
	uint32_t failures;     /* distinct ports failed */
	uint32_t successes;    /* distinct ports succeeded */
	uint32_t probes_at_flag;
	uint32_t offenses; /* times flagged */
	uint32_t kinds[PG_KIND_COUNT];
	uint32_t nmap_like, masscan_like; /* probes with those fingerprints */
	uint32_t same_sport; /* probes from the previous source port */
	uint16_t last_sport;
	struct portier_addr hosts[PORTIER_GUARD_HOSTS_KEPT]; /* addr's family */
	uint8_t n_hosts;
	uint8_t reason; /* enum portier_guard_reason */
	uint8_t n_touch;
	uint8_t touch_head;
	struct portier_guard_touch touch[PORTIER_GUARD_PORTS_KEPT];
};

/* What a flagged source looks like. */
struct portier_guard_class {
	enum portier_guard_kind kind; /* the dominant probe kind */
	const char *tool; /* "nmap-like", "masscan-like", "unknown" */
};

PORTIER_API struct portier_guard_class
portier_guard_classify(const struct portier_guard_source *s);

struct portier_guard_alert {
	struct portier_guard_source src; /* a copy at the moment of the alert */
	struct portier_guard_class cls;
	uint32_t ban_s;	  /* the ban this offence earns (escalated) */
	uint64_t event;	  /* sources of one decoy/distributed scan share it */
	unsigned related; /* other sources already in this event */
};

struct portier_guard_det;

PORTIER_API int portier_guard_det_new(struct portier_guard_det **out,
				      const struct portier_guard_config *cfg,
				      struct portier_err *err);
PORTIER_API void portier_guard_det_free(struct portier_guard_det *d);

/*
 * Feed one judged probe.  Returns 1 and fills *alert when this probe
 * makes its source flagged (once per offence: a flagged source is not
 * flagged again until its ban has run out), 0 otherwise, PORTIER_ENOMEM.
 */
PORTIER_API int portier_guard_det_feed(struct portier_guard_det *d,
				       const struct portier_guard_probe *p,
				       enum portier_guard_kind k,
				       enum portier_guard_outcome o,
				       struct portier_guard_alert *alert);
/*
 * The alert of this source was not acted on (the ban-rate cap was reached,
 * or nftables failed): take the offence back and keep the source pending,
 * unflagged, so that its first probe at or after retry_us raises the alert
 * again (and the caller tries the block again) instead of the source going
 * unblocked for a whole ban period.  PORTIER_ENOENT if it is not tracked.
 */
PORTIER_API int portier_guard_det_unflag(struct portier_guard_det *d,
					 const struct portier_addr *addr,
					 uint64_t retry_us);
/*
 * End the ban (or quiet period) of a flagged source at now_us: its next
 * probe starts a new trial, as after a ban that ran out; its offences stay
 * (a new alert escalates).  For a remembered ban that is not in the kernel
 * and will not be put back: the source must be judged, never ignored.
 * PORTIER_ENOENT if it is not tracked.
 */
PORTIER_API int portier_guard_det_release(struct portier_guard_det *d,
					  const struct portier_addr *addr,
					  uint64_t now_us);
/* Is p's source flagged, with its ban (or quiet period) still running? */
PORTIER_API bool portier_guard_det_flagged(struct portier_guard_det *d,
					   const struct portier_guard_probe *p);
/* Forget sources idle longer than the window (call now and then). */
PORTIER_API void portier_guard_det_expire(struct portier_guard_det *d,
					  uint64_t now_us);
PORTIER_API size_t portier_guard_det_count(const struct portier_guard_det *d);
/* The tracked sources, most recent first; fn returns false to stop. */
PORTIER_API void portier_guard_det_each(
	const struct portier_guard_det *d,
	bool (*fn)(const struct portier_guard_source *s, void *ctx), void *ctx);
/* Insert (or replace) a source, e.g. from a checkpoint. */
PORTIER_API int portier_guard_det_put(struct portier_guard_det *d,
				      const struct portier_guard_source *s);
/* The log thresholds the walk uses (for docs and tests). */
PORTIER_API void portier_guard_det_thresholds(const struct portier_guard_det *d,
					      double *upper, double *lower,
					      double *step_fail,
					      double *step_success);

/* The ban for the n-th offence (n >= 1): ban_s * factor^(n-1), capped. */
PORTIER_API uint32_t portier_guard_ban_seconds(
	const struct portier_guard_config *cfg, uint32_t offense);

/* ---- the allowlist ----------------------------------------------------------- */

/* One allowlist entry: a prefix (addr.h's one type) and why it is there. */
struct portier_guard_cidr {
	struct portier_prefix prefix;
	uint8_t why; /* enum portier_guard_allow_why */
};

enum portier_guard_allow_why {
	PG_ALLOW_USER, /* --allow */
	PG_ALLOW_LOOPBACK,
	PG_ALLOW_OWN, /* an address of this host */
	PG_ALLOW_GATEWAY,
	PG_ALLOW_DNS,
};

struct portier_guard_allow {
	struct portier_guard_cidr *v;
	size_t n, cap;
};

/* Parse "ADDR" or "ADDR/LEN" (v4 or v6) with the one prefix parser
 * (portier_prefix_parse; host bits past LEN are cleared), why
 * PG_ALLOW_USER; PORTIER_EINVAL names it. */
PORTIER_API int portier_guard_cidr_parse(const char *s,
					 struct portier_guard_cidr *c,
					 struct portier_err *err);
PORTIER_API int portier_guard_allow_add(struct portier_guard_allow *a,
					const struct portier_guard_cidr *c);
/* Loopback (127.0.0.0/8, ::1/128) is always added first. */
PORTIER_API int portier_guard_allow_init(struct portier_guard_allow *a);
/*
 * Add this host's (this namespace's) own addresses (when own), its gateways
 * (from <proc_root>/net/route and net/ipv6_route) and its DNS servers (from
 * resolv_conf, e.g. "/etc/resolv.conf").  Unreadable sources are skipped.
 */
PORTIER_API int portier_guard_allow_system(struct portier_guard_allow *a,
					   const char *proc_root,
					   const char *resolv_conf, bool own);
/* The matching entry, or NULL.  A v4-mapped address is matched as the
 * IPv4 address it maps (portier_addr_unmap). */
PORTIER_API const struct portier_guard_cidr *
portier_guard_allowed(const struct portier_guard_allow *a,
		      const struct portier_addr *addr);
/*
 * How much of a flagged source may be blocked, judged on its real address
 * (never on the /64 the detector counts it as).  0 when addr itself is
 * allowlisted (*why: the entry; the alert says "allowlisted").  Otherwise
 * the prefix length to ban: with prefix64 an IPv6 source's /64, unless an
 * allowlist entry (an --allow host, an own address, a gateway) lies inside
 * that /64: then only the address, 128, with *why the entry in the way;
 * without prefix64 the address (32 or 128), *why NULL.  Pure.
 */
PORTIER_API unsigned
portier_guard_ban_prefix(const struct portier_guard_allow *a,
			 const struct portier_addr *addr, bool prefix64,
			 const struct portier_guard_cidr **why);
/* Is addr one of this host's own addresses (a PG_ALLOW_OWN entry)? */
PORTIER_API bool portier_guard_allow_is_own(const struct portier_guard_allow *a,
					    const struct portier_addr *addr);
PORTIER_API void portier_guard_allow_free(struct portier_guard_allow *a);
PORTIER_API const char *portier_guard_allow_why_name(uint8_t why);

/* ---- alerts ------------------------------------------------------------------ */

/* What the daemon did about an alert. */
struct portier_guard_action {
	const char *action;    /* "blocked", "allowlisted", "monitor",
				  "rate-limited", "block-failed" */
	const char *allow_why; /* for "allowlisted": why (allow_why_name) */
	const char *error;     /* for "block-failed": the reason */
	uint64_t block_us;     /* when the set entry was added, 0 if not */
	unsigned block_prefix; /* the prefix length blocked, 0 if none */
	const char *note;      /* why less than the /64 was blocked, or NULL */
	const char *address;   /* the probe's real source when the alert names
				  its /64 (--v6-prefix64), or NULL */
	unsigned suppressed;   /* alerts dropped by the rate limit before it */
};

/*
 * One alert as a JSON object on one line (docs/json-guard.md), without the
 * newline.  Caller frees with portier_free; NULL when out of memory.
 */
PORTIER_API char *
portier_guard_alert_json(const struct portier_guard_alert *a,
			 const struct portier_guard_action *x);
/* RFC 3339 UTC time with milliseconds into buf (at least 32 bytes). */
PORTIER_API const char *portier_guard_time_str(uint64_t us, char *buf,
					       size_t len);

/* ---- the blocking policy -------------------------------------------------------- */

/*
 * What to do about an alert, decided in the library so that the daemon only
 * carries it out (runs nftables, unflags, prints).  Pure over its inputs:
 * the alert (its escalated ban, ban_s), the allowlist, the clock given, and
 * the policy's own state (the ban-rate cap of the current minute and the
 * alert-rate limit).
 */
struct portier_guard_policy_config {
	bool block;		/* --block: put flagged sources into the set */
	bool v6_prefix64;	/* ban an IPv6 source's /64 where allowed */
	unsigned long ban_rate; /* new bans per calendar minute (>= 1) */
	unsigned long alert_rate; /* alerts written per second (>= 1) */
};

struct portier_guard_policy {
	struct portier_guard_policy_config cfg;
	uint64_t ban_minute; /* the minute bans_this_minute counts */
	unsigned long bans_this_minute;
	/* the alert-rate limit: alert_rate a second, started (full) at the
	 * first alert */
	struct portier_bucket alerts;
	bool alerts_started;
	unsigned suppressed; /* alerts not written since the last one */
	unsigned long n_alerts, n_blocks; /* totals, for the exit summary */
};

enum portier_guard_verdict {
	PG_ACT_MONITOR,	     /* no --block: report only */
	PG_ACT_SKIP_ALLOWED, /* the source is allowlisted: never block it */
	PG_ACT_BLOCK,	     /* add a block element: prefix, timeout_s */
	PG_ACT_EXTEND,	     /* the same for a repeat offender: its ban is
				the escalated one (x ban_factor per repeat) */
	PG_ACT_SKIP_RATE,    /* the ban-rate cap is reached: unflag the
				source until retry_us (the next minute) */
	PG_ACT_REBUILD,	     /* the table is gone: build it again, then
				carry out the same block once more */
	PG_ACT_RETRY,	     /* the block failed: unflag until retry_us */
};

struct portier_guard_decision {
	enum portier_guard_verdict verdict;
	unsigned prefix;    /* BLOCK/EXTEND/REBUILD: 32, 64 or 128 */
	uint32_t timeout_s; /* BLOCK/EXTEND/REBUILD: the ban */
	uint64_t retry_us;  /* SKIP_RATE/RETRY: when to alert again */
	/* SKIP_ALLOWED: the matching entry; BLOCK/EXTEND: the entry inside
	 * the /64 that made it an address-only ban, or NULL.  Points into the
	 * allowlist given to _decide. */
	const struct portier_guard_cidr *why;
};

/* A fresh policy; cfg's rates must be at least 1. */
PORTIER_API void
portier_guard_policy_init(struct portier_guard_policy *p,
			  const struct portier_guard_policy_config *cfg);

/*
 * The decision for alert a, whose flagging probe came from real (the
 * alert's source is its /64 with v6_prefix64), at now_us (wall clock):
 * SKIP_ALLOWED when real is allowlisted (also without --block: spoofing a
 * gateway must never cut this host off), MONITOR without --block,
 * SKIP_RATE when ban_rate blocks were already made this minute (retry at
 * the start of the next), else BLOCK (first offence) or EXTEND (a repeat)
 * with the prefix portier_guard_ban_prefix allows and a->ban_s.  Counts
 * the alert.
 */
PORTIER_API struct portier_guard_decision
portier_guard_policy_decide(struct portier_guard_policy *p,
			    const struct portier_guard_allow *allow,
			    const struct portier_guard_alert *a,
			    const struct portier_addr *real, uint64_t now_us);

/*
 * The block of decision d failed with code (PORTIER_E*) at now_us; rebuilt:
 * the table was already built again for this alert.  REBUILD (d's block
 * otherwise unchanged) the first time the table is missing
 * (PORTIER_ENOENT); otherwise RETRY 5 seconds after now_us.
 */
PORTIER_API struct portier_guard_decision
portier_guard_policy_failed(struct portier_guard_policy *p,
			    const struct portier_guard_decision *d, int code,
			    bool rebuilt, uint64_t now_us);

/* The block of a BLOCK/EXTEND decision is in: it counts against the cap. */
PORTIER_API void portier_guard_policy_blocked(struct portier_guard_policy *p);

/*
 * The alert-rate limit: true when an alert at now_us may be written, with
 * *suppressed the alerts dropped since the last one written; false (and
 * the alert counted as suppressed) otherwise.
 */
PORTIER_API bool portier_guard_policy_report(struct portier_guard_policy *p,
					     uint64_t now_us,
					     unsigned *suppressed);

/*
 * The detector's view of probe in: with v6_prefix64 an inbound IPv6
 * source becomes its /64 (a scanner hopping addresses inside it is one
 * source), unless that /64 could never be banned whole (it holds an
 * allowlisted address: this host's own LAN), where each address stays its
 * own source.  Everything else is copied as it is.
 */
PORTIER_API void
portier_guard_policy_view(const struct portier_guard_policy *p,
			  const struct portier_guard_allow *allow,
			  const struct portier_guard_probe *in,
			  struct portier_guard_probe *out);

/* "monitor", "allowlisted", "blocked", "rate-limited", "block-failed": the
 * alert's action (docs/json-guard.md); REBUILD is never final. */
PORTIER_API const char *
portier_guard_verdict_action(enum portier_guard_verdict v);

/* ---- checkpoints ---------------------------------------------------------------- */

/*
 * Write every tracked source to path atomically (a temporary file, fsync,
 * rename).  Times are stored as given (the caller's clock).
 */
PORTIER_API int portier_guard_checkpoint_save(const struct portier_guard_det *d,
					      const char *path,
					      struct portier_err *err);
/* Load a checkpoint into d; PORTIER_ENOENT if there is none.  Neither
 * function follows a symbolic link at path (or at the temporary file), and
 * a checkpoint that is not this user's alone (owner, mode) is refused
 * (PORTIER_EPERM).  The directory is checked with portier_file_state_dir
 * (file.h).  The file is believed whole or not at all: a foreign file, a
 * newer format or any damaged line is PORTIER_EINVAL, with err saying
 * which, and d is left as it was. */
PORTIER_API int portier_guard_checkpoint_load(struct portier_guard_det *d,
					      const char *path,
					      struct portier_err *err);
/* Keep a refused checkpoint aside: rename path to "PATH.refused-NOW_S";
 * its new name into aside (len bytes). */
PORTIER_API int portier_guard_checkpoint_set_aside(const char *path,
						   uint64_t now_s, char *aside,
						   size_t len,
						   struct portier_err *err);

/* ---- the live system: listeners, capture, nftables ---------------------------- */

struct portier_guard_sys;

/*
 * The socket table of this namespace (portier_local_table, local.h): the
 * set of listening TCP ports and bound UDP ports (refreshed when older than
 * refresh_ms on a miss), and exact 4-tuple lookups.  Implements
 * struct portier_guard_env.
 */
PORTIER_API int portier_guard_sys_new(struct portier_guard_sys **out,
				      unsigned refresh_ms,
				      struct portier_err *err);
PORTIER_API void portier_guard_sys_free(struct portier_guard_sys *s);
PORTIER_API void portier_guard_sys_env(struct portier_guard_sys *s,
				       struct portier_guard_env *env);

struct portier_guard_cap;

/* An AF_PACKET socket for inbound packets (ifname NULL: every interface). */
PORTIER_API int portier_guard_cap_open(struct portier_guard_cap **out,
				       const char *ifname,
				       struct portier_err *err);
PORTIER_API void portier_guard_cap_close(struct portier_guard_cap *c);
PORTIER_API int portier_guard_cap_fd(const struct portier_guard_cap *c);
/*
 * Read one packet without blocking: 1 with *p filled (ts_us from the
 * kernel's receive timestamp, CLOCK_REALTIME), 0 when nothing (or nothing
 * of interest) is queued, negative on error.
 */
PORTIER_API int portier_guard_cap_next(struct portier_guard_cap *c,
				       struct portier_guard_probe *p);
/* Packets received and dropped by the kernel so far (PACKET_STATISTICS). */
PORTIER_API void portier_guard_cap_stats(struct portier_guard_cap *c,
					 uint64_t *received, uint64_t *dropped);

#endif
