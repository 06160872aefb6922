/*
 * scan.h - the port scan engines: TCP walks the keyed permutation of the
 * target x port space (net.h), hands each (address, port) to a method -
 * connect (non-blocking sockets on epoll) or SYN (raw packets, stateless
 * cookies) - retransmits what goes unanswered, adapts its window and rate to
 * measured loss, and reports every port's final state through a callback as
 * soon as it is known (nothing is accumulated here).
 *
 * A scan can be stopped (the stop flag, set from a signal handler) and
 * resumed: portier_scan_pending() gives the position to continue from and the
 * positions still in flight, which a later run passes back in the config.
 */
#ifndef PORTIER_SCAN_H
#define PORTIER_SCAN_H

#include <signal.h>

#include "portier/net.h"

enum portier_port_state {
	PORTIER_PORT_OPEN,
	PORTIER_PORT_CLOSED,
	PORTIER_PORT_FILTERED,
	PORTIER_PORT_OPEN_FILTERED, /* UDP: no answer to any try */
};
#define PORTIER_PORT_STATES 4

/* Why a port got its state; the names are nmap's (reason strings). */
enum portier_reason {
	PORTIER_REASON_SYN_ACK,		 /* "syn-ack" */
	PORTIER_REASON_CONN_REFUSED,	 /* "conn-refused" (connect scan) */
	PORTIER_REASON_RESET,		 /* "reset" (SYN scan) */
	PORTIER_REASON_NO_RESPONSE,	 /* "no-response" */
	PORTIER_REASON_HOST_UNREACH,	 /* "host-unreach" */
	PORTIER_REASON_NET_UNREACH,	 /* "net-unreach" */
	PORTIER_REASON_PORT_UNREACH,	 /* "port-unreach" */
	PORTIER_REASON_ADMIN_PROHIBITED, /* "admin-prohibited" */
	/*
	 * portier's own, no nmap equivalent: the local kernel refused to send
	 * the probe because the address is a broadcast address of an attached
	 * subnet (EACCES), or refused it as invalid for this host (EINVAL).
	 * The port is reported filtered; the scan goes on.
	 */
	PORTIER_REASON_BROADCAST,   /* "broadcast" */
	PORTIER_REASON_LOCAL_ERROR, /* "local-error" */
	/* UDP (nmap's names) */
	PORTIER_REASON_UDP_RESPONSE,	/* "udp-response": any datagram back */
	PORTIER_REASON_PROTO_UNREACH,	/* "proto-unreach" (ICMP 3/2) */
	PORTIER_REASON_NET_PROHIBITED,	/* "net-prohibited" (ICMP 3/9) */
	PORTIER_REASON_HOST_PROHIBITED, /* "host-prohibited" (ICMP 3/10) */
	PORTIER_REASON_COUNT,
};

enum portier_scan_method {
	PORTIER_SCAN_CONNECT,
	PORTIER_SCAN_SYN,
	/*
	 * UDP: a connected socket per probe with IP_RECVERR/IPV6_RECVERR, so
	 * the kernel hands each ICMP error to the probe it answers (no
	 * privileges needed).  Per-port payloads come from the udp_payloads
	 * callback; every target host's ICMP rate limit is respected (udp.c).
	 */
	PORTIER_SCAN_UDP,
};

struct portier_scan_result {
	struct portier_addr addr;
	uint16_t port;
	uint8_t state;	 /* enum portier_port_state */
	uint8_t reason;	 /* enum portier_reason */
	uint8_t ttl;	 /* of the reply (SYN scan), else 0 */
	uint8_t tries;	 /* probes sent for this port */
	uint32_t rtt_us; /* 0 when no reply */
	uint8_t proto;	 /* PORTIER_PROTO_UDP, else TCP */
	bool parsed;	 /* UDP: the answer parsed as the payload's protocol */
	const char *service; /* UDP: who answered, when parsed (static) */
};

struct portier_scan_stats {
	uint64_t total; /* positions this run (shard) owns */
	uint64_t done;	/* positions with a final state */
	uint64_t sent;	/* probes sent, retransmissions included */
	uint64_t retransmits;
	uint64_t replies;      /* probes that got an answer */
	uint64_t late_replies; /* answered only after a retransmission */
	uint64_t open, closed, filtered, open_filtered;
	uint64_t
		local_errors; /* EMFILE, ENOBUFS, ...: retried, never a state */
	uint64_t slowdowns;   /* times the scan slowed down for loss */
	uint64_t elapsed_ns;
	double rate;	 /* probes per second over the last interval */
	double avg_rate; /* probes per second over the whole run */
	double loss;	 /* estimated fraction of probes lost */
	double cwnd;	 /* current window (probes in flight allowed) */
	uint32_t rto_us; /* current retransmission timeout */
	unsigned inflight;
	bool interrupted;
	/* UDP: hosts whose ICMP errors were rate limited, and the time the
	 * scan spent waiting for their limit alone (nothing else to send) */
	uint64_t icmp_limited_hosts;
	uint64_t icmp_wait_ns;
	/* UDP: covered tries sent again because another host's ICMP error
	 * may have drained a limiter they share (one kernel, many addresses) */
	uint64_t icmp_contested;
};

struct portier_scan_config {
	enum portier_scan_method method;
	const struct portier_targets *targets; /* finished */
	const uint16_t *ports;		       /* TCP ports, ascending */
	size_t n_ports;
	uint64_t seed;
	uint64_t shard_k, shard_n; /* 1/1 when not sharding */

	double max_rate;       /* probes per second; <= 0: no ceiling */
	unsigned max_retries;  /* retransmissions per probe (default 2) */
	unsigned max_inflight; /* 0: method default */
	unsigned min_rtt_ms, max_rtt_ms, init_rtt_ms; /* 0: defaults */

	/* resume: continue at sequence next, after these positions */
	uint64_t resume_next;
	const uint64_t *resume_pending;
	size_t n_resume_pending;

	void (*on_result)(void *ctx, const struct portier_scan_result *r,
			  uint64_t seq);
	/* every ~200 ms and at the end (progress, checkpoints) */
	void (*on_tick)(void *ctx, const struct portier_scan_stats *s);
	void *ctx;
	/*
	 * UDP: the payloads sent to a port on each try (at most max, at least
	 * one, possibly empty), and whether an answer parses as the reply to
	 * payload k (*service: a static name).  The answer makes the port
	 * open either way.
	 */
	/*
	 * UDP over raw sockets (needs CAP_NET_RAW): datagrams from one
	 * unconnected socket per family, ICMP errors read from raw ICMP and
	 * ICMPv6 sockets and matched by the datagram they quote; else a
	 * connected socket per probe with IP_RECVERR.
	 */
	bool udp_raw;
	size_t (*udp_payloads)(void *ctx, uint16_t port, const uint8_t **data,
			       size_t *len, size_t max);
	bool (*udp_judge)(void *ctx, uint16_t port, size_t k,
			  const uint8_t *reply, size_t len,
			  const char **service);
	/* set non-zero (from a signal handler) to stop; the scan then returns
	 * 0 with stats.interrupted and the rest left pending */
	volatile sig_atomic_t *stop;
};

struct portier_scan;

/*
 * Prepare a scan: checks the config, opens what the method needs (raw
 * sockets for SYN: PORTIER_EPERM without CAP_NET_RAW), raises RLIMIT_NOFILE
 * for connect.  Nothing is sent yet.  Free with portier_scan_free.
 */
PORTIER_API int portier_scan_new(struct portier_scan **out,
				 const struct portier_scan_config *cfg,
				 struct portier_err *err);
/* Run to the end (or to *stop).  0, or a negative error for a fatal one. */
PORTIER_API int portier_scan_run(struct portier_scan *s,
				 struct portier_err *err);
PORTIER_API void portier_scan_get_stats(const struct portier_scan *s,
					struct portier_scan_stats *st);
/*
 * Where to resume: *next is the first sequence number never started; the
 * sequence numbers started but not finished are written to buf (at most max)
 * and their count returned (may exceed max).
 */
PORTIER_API size_t portier_scan_pending(const struct portier_scan *s,
					uint64_t *next, uint64_t *buf,
					size_t max);
PORTIER_API void portier_scan_free(struct portier_scan *s);

/* Whether this process may open raw sockets (CAP_NET_RAW effective). */
PORTIER_API bool portier_scan_can_raw(void);
/*
 * Give up every capability, from the effective, permitted, inheritable and
 * bounding sets, once the raw sockets are open, and forbid gaining new ones
 * (PR_SET_NO_NEW_PRIVS).  The user id stays; files already open stay usable.
 * 0 or PORTIER_EPERM.
 */
PORTIER_API int portier_scan_drop_privileges(struct portier_err *err);

PORTIER_API const char *portier_port_state_name(enum portier_port_state s);
PORTIER_API const char *portier_reason_name(enum portier_reason r);

#endif
