/*
 * udp_payloads.h - what `portier scan -sU` sends to a UDP port and how it
 * reads the answer: a payload set parsed from text (data/udp-payloads, the
 * format is described at the top of that file; --udp-payloads FILE reads
 * another), and one pure reply parser per protocol that says whether an
 * answer is that protocol's reply to our request.
 *
 * Any UDP answer makes a port open (as in nmap); the parser only decides
 * whether the answer is understood and names the service it came from.
 * Everything here is pure: bytes in, bytes out, no sockets, no global state.
 */
#ifndef PORTIER_UDP_PAYLOADS_H
#define PORTIER_UDP_PAYLOADS_H

#include "portier/common.h"

/* Reply parsers (the PARSER column of the payload file). */
enum portier_udp_parser {
	PORTIER_UDP_ANY = 0, /* no parser: an answer is open, never "parsed" */
	PORTIER_UDP_DNS,
	PORTIER_UDP_NTP,
	PORTIER_UDP_SNMP,
	PORTIER_UDP_NBSTAT,
	PORTIER_UDP_SSDP,
	PORTIER_UDP_RMCP,
	PORTIER_UDP_MSSQL,
	PORTIER_UDP_TFTP,
	PORTIER_UDP_IKE,
	PORTIER_UDP_MEMCACHED,
	PORTIER_UDP_OPENVPN,
	PORTIER_UDP_SIP,
	PORTIER_UDP_RPC,
	PORTIER_UDP_WSD,
	PORTIER_UDP_COAP,
	PORTIER_UDP_PARSER_COUNT,
};

/* A payload is at most this long (one datagram on any path). */
#define PORTIER_UDP_PAYLOAD_MAX 1400
#define PORTIER_UDP_NAME_MAX	32

struct portier_udp_payload {
	char name[PORTIER_UDP_NAME_MAX]; /* "dns-version", ... */
	enum portier_udp_parser parser;
	uint8_t *data;
	size_t len;
};

struct portier_udp_payloads;

/*
 * Parse a payload file held in text (len bytes, need not end in NUL).
 * source names it in errors: PORTIER_EINVAL "SOURCE:LINE: reason".
 */
PORTIER_API int portier_udp_payloads_parse(const char *text, size_t len,
					   const char *source,
					   struct portier_udp_payloads **out,
					   struct portier_err *err);
/* Read and parse a file (PORTIER_EINVAL also when it cannot be read). */
PORTIER_API int portier_udp_payloads_load(const char *path,
					  struct portier_udp_payloads **out,
					  struct portier_err *err);
/* The set built into portier (data/udp-payloads at build time). */
PORTIER_API int portier_udp_payloads_builtin(struct portier_udp_payloads **out,
					     struct portier_err *err);
PORTIER_API void portier_udp_payloads_free(struct portier_udp_payloads *p);

/* At most this many payloads go to one port (e.g. SNMP v2c and v3). */
#define PORTIER_UDP_PER_PORT 2

/*
 * The payloads for port into out (room for PORTIER_UDP_PER_PORT), in file
 * order, or the generic empty probe: returns how many (at least 1).
 */
PORTIER_API size_t
portier_udp_payloads_for(const struct portier_udp_payloads *p, uint16_t port,
			 const struct portier_udp_payload **out);
/* Number of payloads and the i-th (for listings and tests). */
PORTIER_API size_t
portier_udp_payloads_count(const struct portier_udp_payloads *p);
PORTIER_API const struct portier_udp_payload *
portier_udp_payloads_at(const struct portier_udp_payloads *p, size_t i);

/* "dns", "ntp", ... for a parser; NULL past the end. */
PORTIER_API const char *portier_udp_parser_name(enum portier_udp_parser p);

/*
 * Whether reply (len bytes) is the answer of parser's protocol to req (the
 * payload we sent; transaction ids and cookies are compared with it).
 * Returns true and points *service at a short static service name ("dns",
 * "snmp", ...) when it is, false otherwise.
 */
PORTIER_API bool portier_udp_reply_parse(enum portier_udp_parser parser,
					 const uint8_t *req, size_t req_len,
					 const uint8_t *reply, size_t len,
					 const char **service);

#endif
