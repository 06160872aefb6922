/*
 * net.h - the network vocabulary of the scanner: addresses, target sets,
 * port lists, the keyed permutation of the target x port space, Internet
 * checksums, TCP SYN packet templates, and the reply parser.
 *
 * Target sets are sorted, merged interval lists of addresses (IPv4 as 32-bit,
 * IPv6 as 128-bit numbers), never expanded: "10.0.0.0/8" is one interval.
 * Index i of the set is the i-th address in ascending order.  Together with a
 * port list (at most 65,535 ports) they define the index space
 * host_index * n_ports + port_index that the permutation walks.
 *
 * Ownership: objects returned through **out are freed with their _free
 * function; const pointers handed out stay valid until that call.
 */
#ifndef PORTIER_NET_H
#define PORTIER_NET_H

#include "portier/addr.h"
#include "portier/common.h"

/* ---- target sets ----------------------------------------------------------- */

struct portier_targets;

/* Largest number of intervals one octet-range spec may produce. */
#define PORTIER_TARGETS_MAX_PIECES 65536

struct portier_targets_options {
	/* Resolve host names (getaddrinfo); false: names are an error. */
	bool resolve;
	/* For names: keep IPv6 answers (else only IPv4). */
	bool want_v6;
	/*
	 * The probe commands' rule (nbtscan's) for IPv4 blocks and ranges:
	 * leave out the .0 and .255 of every /24 they cross and the network
	 * and broadcast address of a CIDR block of /30 or wider.  A single
	 * address is kept as written.  A block that splits into more than
	 * PORTIER_TARGETS_MAX_PIECES pieces, or keeps no address, is refused.
	 */
	bool skip_edges;
};

PORTIER_API int portier_targets_new(struct portier_targets **out,
				    const struct portier_targets_options *opt);
PORTIER_API void portier_targets_free(struct portier_targets *t);

/*
 * Add (or, with exclude, remove) one target spec: an address, a CIDR
 * ("10.0.0.0/16", "fd00::/120"), a last-part range ("10.0.0.1-200"), nmap's
 * octet ranges and lists ("10.0.0-3.1-254", "10.1.2,4.1"), or a host name
 * (resolved once, reported with the name).  A spec may hold several tokens
 * separated by commas when they are whole addresses (for --exclude lists).
 * PORTIER_EINVAL names the bad token; PORTIER_ENOENT for a name that does not
 * resolve.  A spec whose addresses are all refused by the address policy
 * (portier_addr_not_target: multicast, broadcast, 0.0.0.0/8, ::, fe80::/10,
 * their v4-mapped forms) is PORTIER_EINVAL "target 'X' is ..." with a hint;
 * inside a larger spec such addresses are skipped.
 */
PORTIER_API int portier_targets_add(struct portier_targets *t, const char *spec,
				    bool exclude, struct portier_err *err);
/*
 * Add every whitespace-separated spec of a file (- is stdin; # starts a
 * comment).  An empty file is an error (PORTIER_EINVAL naming the file).
 */
PORTIER_API int portier_targets_add_file(struct portier_targets *t,
					 const char *path, bool exclude,
					 struct portier_err *err);
/*
 * Sort, merge and subtract the exclusions.  Must be called once before
 * count/at.  PORTIER_EINVAL if nothing is left to scan.
 */
PORTIER_API int portier_targets_finish(struct portier_targets *t,
				       struct portier_err *err);
/* Number of addresses (saturates at UINT64_MAX). */
PORTIER_API uint64_t portier_targets_count(const struct portier_targets *t);
/* The i-th address (i < count). */
PORTIER_API void portier_targets_at(const struct portier_targets *t, uint64_t i,
				    struct portier_addr *out);
/* The index of a in t (portier_targets_at's inverse): false when a is not in
 * the set (or the set is too large to count). */
PORTIER_API bool portier_targets_index(const struct portier_targets *t,
				       const struct portier_addr *a,
				       uint64_t *i);
/* The name a user gave for a, or NULL. */
PORTIER_API const char *portier_targets_name(const struct portier_targets *t,
					     const struct portier_addr *a);
/*
 * A 64-bit FNV-1a hash of every merged interval (family, first and last
 * address) after finish(): two target sets hash equal only if they hold the
 * same addresses (barring a hash collision).  For --resume, which must not
 * continue a scan with other targets or other exclusions.
 */
PORTIER_API uint64_t
portier_targets_fingerprint(const struct portier_targets *t);
/* Number of merged intervals (for tests and memory accounting). */
PORTIER_API size_t portier_targets_intervals(const struct portier_targets *t);

/* ---- ports ----------------------------------------------------------------- */

struct portier_ports {
	uint16_t *tcp; /* ascending, no duplicates; portier_free */
	size_t n_tcp;
	uint16_t *udp;
	size_t n_udp;
};

/*
 * Parse nmap's port syntax: "22,80,1000-2000", "-" (1-65535), "-1024",
 * "60000-", protocol prefixes "T:", "U:" (a prefix applies to the ports
 * after it), e.g. "T:445,U:137".  Port 0 is not scannable.  Fills out
 * (previous content is replaced).  PORTIER_EINVAL names the bad token.
 */
PORTIER_API int portier_ports_parse(const char *spec, struct portier_ports *out,
				    struct portier_err *err);
/*
 * As portier_ports_parse, but ports without a prefix go to every protocol
 * in plain (PORTIER_PROTO_TCP and/or PORTIER_PROTO_UDP), as nmap applies
 * them to every scan type given (-sSU -p 53 scans 53/tcp and 53/udp).
 */
PORTIER_API int portier_ports_parse_for(const char *spec, unsigned plain,
					struct portier_ports *out,
					struct portier_err *err);
/*
 * The n most frequently open TCP ports: from an nmap-services file when
 * services_path can be read (frequency column), else from portier's own
 * list (docs/portier-scan.1), continued with the lowest unused ports.
 * Sorted ascending into out->tcp.  *source is set to "nmap-services" or
 * "portier".
 */
PORTIER_API int portier_ports_top(unsigned n, const char *services_path,
				  struct portier_ports *out,
				  const char **source, struct portier_err *err);
/* The same for UDP ports (nmap-services' udp lines, else portier's own
 * list), sorted ascending into out->udp; out->tcp is left alone. */
PORTIER_API int portier_ports_top_udp(unsigned n, const char *services_path,
				      struct portier_ports *out,
				      const char **source,
				      struct portier_err *err);
PORTIER_API void portier_ports_release(struct portier_ports *p);

/* ---- permutation ------------------------------------------------------------ */

/*
 * A keyed bijection of [0, n) onto itself: a four-round unbalanced Feistel
 * network over the smallest power of two >= n, with cycle walking back into
 * range.  O(1) memory; the same (n, seed) always gives the same order.
 * n may be at most 2^62.
 */
struct portier_perm {
	uint64_t n;
	unsigned bits;
	uint64_t key[4];
};

PORTIER_API void portier_perm_init(struct portier_perm *p, uint64_t n,
				   uint64_t seed);
PORTIER_API uint64_t portier_perm_map(const struct portier_perm *p, uint64_t i);

/*
 * Shard K of N (1 <= K <= N) owns positions K-1, K-1+N, K-1+2N, ... of the
 * permuted sequence of n elements; returns how many that is.
 */
PORTIER_API uint64_t portier_shard_size(uint64_t n, uint64_t k,
					uint64_t nshard);
/* Parse "K/N"; PORTIER_EINVAL naming the token. */
PORTIER_API int portier_shard_parse(const char *s, uint64_t *k, uint64_t *n,
				    struct portier_err *err);

/* ---- checksums and packets ------------------------------------------------- */

/* RFC 1071 one's-complement sum of buf, folded, not inverted; add to seed. */
PORTIER_API uint32_t portier_csum_add(uint32_t sum, const void *buf,
				      size_t len);
/* Fold and invert a running sum into the 16-bit checksum (host order). */
PORTIER_API uint16_t portier_csum_fold(uint32_t sum);

/* Keyed 32-bit cookie for (src, dst, sport, dport): the SYN's sequence. */
PORTIER_API uint32_t portier_syn_cookie(const uint64_t key[2],
					const struct portier_addr *src,
					const struct portier_addr *dst,
					uint16_t sport, uint16_t dport);

/* Largest packet a template builds: IPv6 header + TCP with options. */
#define PORTIER_SYN_MAX 80

/*
 * Build a TCP SYN from src:sport to dst:dport with sequence seq.  IPv4:
 * a full IP header + TCP (for a raw IP_HDRINCL socket); IPv6: TCP only
 * (the kernel adds the IPv6 header) with the checksum over the RFC 8200 8.1
 * pseudo-header.  TCP options: MSS 1460 (RFC 9293 3.7.1).  Returns the length.
 */
PORTIER_API size_t portier_syn_build(uint8_t *buf,
				     const struct portier_addr *src,
				     const struct portier_addr *dst,
				     uint16_t sport, uint16_t dport,
				     uint32_t seq, uint16_t ip_id);

/* What a reply to a SYN probe says. */
enum portier_reply_kind {
	PORTIER_REPLY_NONE = 0,
	PORTIER_REPLY_SYNACK,  /* open */
	PORTIER_REPLY_RST,     /* closed */
	PORTIER_REPLY_UNREACH, /* ICMP(v6) destination unreachable: filtered */
};

struct portier_reply {
	enum portier_reply_kind kind;
	struct portier_addr target; /* the scanned address */
	struct portier_addr local;  /* our address the probe came from */
	uint16_t port;		    /* the scanned port */
	uint16_t sport;		    /* our source port */
	uint32_t seq;		    /* the sequence number our probe carried */
	uint8_t ttl;		    /* TTL / hop limit of the reply */
	uint8_t icmp_type, icmp_code;
	uint8_t quoted; /* UNREACH: the quoted protocol, 6 (TCP) or 17 (UDP) */
	struct portier_addr offender; /* UNREACH: who sent the ICMP error */
};

/*
 * Parse one IPv4 or IPv6 packet (network header first, as AF_PACKET
 * SOCK_DGRAM delivers it) that may answer a SYN: a TCP segment with SYN+ACK
 * or RST, or an ICMP/ICMPv6 destination-unreachable quoting a TCP header;
 * or a UDP probe: an unreachable quoting a UDP header (quoted = 17).
 * Pure function over bytes; returns 0 and fills r, or PORTIER_EPROTO when the
 * packet is not such a reply (truncated, other protocol, bad lengths).
 */
PORTIER_API int portier_reply_parse(const uint8_t *buf, size_t len,
				    struct portier_reply *r);

/* CLOCK_MONOTONIC in nanoseconds. */
PORTIER_API uint64_t portier_now_ns(void);

#endif
