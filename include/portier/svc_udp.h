/*
 * svc_udp.h - service and version detection on an open UDP port (`portier
 * scan -sU -sV`): the scan's payloads for the port (data/udp-payloads) and,
 * on 161, an SNMPv1 request, are sent again from a connected socket, and
 * every reply that parses as its protocol's answer is described in nmap's
 * terms (struct portier_svc of svc.h): the DNS server's version.bind, the
 * NTP version and stratum, the SNMP agent and whether the community
 * "public" reads it, the NetBIOS workgroup and whether Samba answers,
 * memcached's version.
 *
 * portier_svc_udp_describe() is pure (bytes in, facts out) and fuzzed;
 * portier_svc_udp_probe() owns the socket and the clock.
 */
#ifndef PORTIER_SVC_UDP_H
#define PORTIER_SVC_UDP_H

#include "portier/addr.h"
#include "portier/svc.h"
#include "portier/udp_payloads.h"

/*
 * Build an SNMPv1 GetRequest for sysDescr.0 with the community "public"
 * and request id reqid into buf (RFC 1157); returns its length, or 0 when
 * cap is too small.
 */
PORTIER_API size_t portier_svc_snmp_v1_get(uint8_t *buf, size_t cap,
					   uint32_t reqid);

/*
 * Add what reply (len bytes, the answer to req with the given parser, as
 * portier_udp_reply_parse() accepted it) says about the service to s: its
 * name, product, version, extra information and findings.  Facts from
 * several replies of one port add up (SNMPv1 and SNMPv3 name one agent).
 * Returns true when reply told something; s is untouched otherwise.
 */
PORTIER_API bool portier_svc_udp_describe(enum portier_udp_parser parser,
					  const uint8_t *req, size_t req_len,
					  const uint8_t *reply, size_t len,
					  struct portier_svc *s);

/*
 * Ask UDP port of a what it is: every request for the port, each from its
 * own connected socket (no privileges needed), each sent up to twice and
 * answered within wait_ms.  s gets the facts (name from pl's parsers at
 * least, when anything parsed).  Returns 0 when a reply parsed,
 * PORTIER_ENOENT when none did, or a negative code with err set when the
 * socket could not be used.
 */
PORTIER_API int portier_svc_udp_probe(const struct portier_addr *a,
				      uint16_t port,
				      const struct portier_udp_payloads *pl,
				      int wait_ms, struct portier_svc *s,
				      struct portier_err *err);

#endif
