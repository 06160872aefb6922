/*
 * addr.h - the address vocabulary every module shares: one IPv4/IPv6
 * address type, one prefix type with its one parser, text forms, sockaddr
 * conversions, the one policy on which addresses a probe may be sent to,
 * and the protocol set (TCP, UDP, ...) as a bit mask.
 *
 * An address is {family 4 or 6, 16 bytes in network order}; IPv4 uses
 * b[0..3] and leaves the rest zero, so two addresses compare with memcmp.
 * An IPv4-mapped IPv6 address (::ffff:a.b.c.d, RFC 4291 2.5.5.2) stays an
 * IPv6 address here; portier_addr_unmap() turns it into the IPv4 one, and
 * the target policy judges it as that IPv4 address.
 *
 * Nothing here allocates; everything is pure except the sockaddr helpers,
 * which only copy.
 */
#ifndef PORTIER_ADDR_H
#define PORTIER_ADDR_H

#include <sys/socket.h>

#include "portier/common.h"

/* ---- addresses ----------------------------------------------------------- */

struct portier_addr {
	uint8_t family; /* 4 or 6 (0: none) */
	uint8_t b[16];	/* network byte order; IPv4 uses b[0..3] */
};

/* Room for any address's text (INET6_ADDRSTRLEN) and for a prefix's. */
#define PORTIER_ADDR_STRLEN   46
#define PORTIER_PREFIX_STRLEN 50

/* Parse a literal IPv4 or IPv6 address (no prefix, no zone); 0 or
 * PORTIER_EINVAL.  *a is zeroed first. */
PORTIER_API int portier_addr_parse(const char *s, struct portier_addr *a);
/* Text form into buf (PORTIER_ADDR_STRLEN bytes); returns buf ("?" for a
 * family that is neither 4 nor 6). */
PORTIER_API const char *portier_addr_str(const struct portier_addr *a,
					 char *buf, size_t len);
/* Order: IPv4 before IPv6, then by the bytes. */
PORTIER_API int portier_addr_cmp(const struct portier_addr *a,
				 const struct portier_addr *b);
/* A hash of a (FNV-1a over family and bytes, mixed), for hash tables. */
PORTIER_API uint64_t portier_addr_hash(const struct portier_addr *a);
/* family 4 or 6 and its 4 or 16 bytes into *a; PORTIER_EINVAL otherwise. */
PORTIER_API int portier_addr_set(struct portier_addr *a, unsigned family,
				 const void *bytes);

/* AF_INET <-> 4, AF_INET6 <-> 6; anything else is AF_UNSPEC or 0. */
PORTIER_API int portier_addr_af(unsigned family);
PORTIER_API uint8_t portier_addr_family_of(int af);

/* From a sockaddr_in or sockaddr_in6 (the port is dropped); 0 or
 * PORTIER_EINVAL for another family. */
PORTIER_API int portier_addr_from_sockaddr(const struct sockaddr *sa,
					   struct portier_addr *a);
/* Into *ss with port (host order); returns the sockaddr's length, 0 for an
 * address that is neither IPv4 nor IPv6. */
PORTIER_API socklen_t portier_addr_to_sockaddr(const struct portier_addr *a,
					       uint16_t port,
					       struct sockaddr_storage *ss);

/* ::ffff:a.b.c.d? */
PORTIER_API bool portier_addr_is_v4mapped(const struct portier_addr *a);
/* The address a means: the IPv4 address of a v4-mapped one, else a itself.
 * out may be a. */
PORTIER_API void portier_addr_unmap(const struct portier_addr *a,
				    struct portier_addr *out);

/* ---- prefixes ------------------------------------------------------------ */

struct portier_prefix {
	struct portier_addr addr;
	uint8_t plen; /* 0..32 or 0..128 */
};

/* What the parser does with an address that has bits set past plen. */
enum portier_prefix_host_bits {
	/* "10.1.2.3/8" means 10.0.0.0/8 (nmap, iptables, nft do the same) */
	PORTIER_PREFIX_CLEAR_HOST_BITS,
	/* "10.1.2.3/8" is PORTIER_EINVAL: say 10.0.0.0/8 or 10.1.2.3 */
	PORTIER_PREFIX_REFUSE_HOST_BITS,
};

/*
 * Parse "ADDR" (a host prefix: /32 or /128) or "ADDR/PLEN", IPv4 or IPv6.
 * The one prefix parser of the library.  PORTIER_EINVAL with err quoting the
 * bad part: the address, the prefix length (0-32 for IPv4, 0-128 for IPv6),
 * or (PORTIER_PREFIX_REFUSE_HOST_BITS) host bits that are set.
 */
PORTIER_API int portier_prefix_parse(const char *s,
				     enum portier_prefix_host_bits host_bits,
				     struct portier_prefix *p,
				     struct portier_err *err);
/* "10.0.0.0/8", "fd00::/8" into buf (PORTIER_PREFIX_STRLEN); returns buf. */
PORTIER_API const char *portier_prefix_str(const struct portier_prefix *p,
					   char *buf, size_t len);
/* Is a inside p (same family, first plen bits equal)? */
PORTIER_API bool portier_prefix_contains(const struct portier_prefix *p,
					 const struct portier_addr *a);
/* Clear the bits of p->addr past p->plen. */
PORTIER_API void portier_prefix_clear_host(struct portier_prefix *p);
/* The last address of p (every host bit set). */
PORTIER_API void portier_prefix_last(const struct portier_prefix *p,
				     struct portier_addr *out);

/* ---- the one address policy ------------------------------------------------ */

enum portier_addr_class {
	PORTIER_ADDR_UNICAST,	  /* an ordinary host address (global,
				   * private, ULA, documentation, ...) */
	PORTIER_ADDR_UNSPECIFIED, /* :: (RFC 4291 2.5.2) */
	PORTIER_ADDR_THIS_NET,	  /* 0.0.0.0/8 (RFC 1122 3.2.1.3) */
	PORTIER_ADDR_LOOPBACK,	  /* 127.0.0.0/8, ::1 */
	PORTIER_ADDR_V4MAPPED,	  /* ::ffff:0:0/96 (RFC 4291 2.5.5.2) */
	PORTIER_ADDR_MULTICAST,	  /* 224.0.0.0/4 (RFC 5771), ff00::/8 */
	PORTIER_ADDR_BROADCAST,	  /* 255.255.255.255 (RFC 919) */
	PORTIER_ADDR_LINK_LOCAL,  /* 169.254.0.0/16 (RFC 3927), fe80::/10 */
};

/* The class of a as written (a v4-mapped address is PORTIER_ADDR_V4MAPPED;
 * classify portier_addr_unmap(a) for what it maps). */
PORTIER_API enum portier_addr_class
portier_addr_classify(const struct portier_addr *a);
/* "unicast", "unspecified", "this-network", "loopback", "v4-mapped",
 * "multicast", "broadcast", "link-local". */
PORTIER_API const char *portier_addr_class_name(enum portier_addr_class c);
/* Loopback, also as ::ffff:127.x.y.z. */
PORTIER_API bool portier_addr_is_loopback(const struct portier_addr *a);
/*
 * An address of a site's own network, which the internet does not route to
 * a host: private IPv4 (10/8, 172.16/12, 192.168/16), shared 100.64/10,
 * link-local (169.254/16, fe80::/10) and unique-local fc00::/7; also as
 * ::ffff:a.b.c.d.  Loopback is not one.
 */
PORTIER_API bool portier_addr_is_site(const struct portier_addr *a);

/*
 * May a probe (a scan's SYN or connect, a NetBIOS query, an SMB connection)
 * be sent to a?  Not to: the unspecified address, 0.0.0.0/8, multicast, the
 * limited broadcast, and IPv6 link-local (it needs an interface scope that
 * portier does not take); a v4-mapped address is judged as the IPv4 address
 * it maps.  Loopback and IPv4 link-local are hosts and may be probed.
 * Returns NULL when a may be a target; otherwise what it is, to follow
 * "target 'X' is ..." ("a multicast address"), with *hint (when hint is not
 * NULL) saying why it is refused.
 */
PORTIER_API const char *portier_addr_not_target(const struct portier_addr *a,
						const char **hint);

/*
 * The address blocks portier_addr_not_target() refuses, as prefixes (the
 * v4-mapped forms of the IPv4 ones included), for interval arithmetic such
 * as skipping them inside a larger target block.  Returns how many there
 * are; fills out with at most cap of them.  Each is refused whole, and no
 * address outside them is.
 */
PORTIER_API size_t portier_addr_not_target_blocks(struct portier_prefix *out,
						  size_t cap);

/* ---- protocol sets --------------------------------------------------------- */

/* A set of transport protocols as a bit mask (kb, fw, probe). */
enum portier_proto {
	PORTIER_PROTO_TCP = 1 << 0,
	PORTIER_PROTO_UDP = 1 << 1,
	PORTIER_PROTO_SCTP = 1 << 2,
	PORTIER_PROTO_DCCP = 1 << 3,
	PORTIER_PROTO_ANY = 0xf,
};

/* The bit of an IP protocol number (IPPROTO_TCP, _UDP, _SCTP, _DCCP as a
 * packet carries it), 0 for any other protocol. */
PORTIER_API enum portier_proto portier_proto_of_ip(unsigned ipproto);

#endif
