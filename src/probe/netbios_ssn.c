/*
 * netbios_ssn.c - NetBIOS names and the NetBIOS session service (TCP 139).
 *
 * Before SMB can run over port 139 the client must open a NetBIOS session:
 * a SESSION REQUEST naming the server ("called") and itself ("calling"),
 * answered by a positive response, a refusal with a reason, or a retarget
 * to another address (RFC 1002 4.3.2-4.3.5).  Every packet on 139, and on
 * 445 too, starts with the same 4-byte header: a type and a length.
 *
 * Names travel in "first-level encoding" (RFC 1001 14.1): each of the 16
 * bytes (15 name bytes padded with spaces, then the suffix byte) becomes
 * two letters 'A'+high nibble, 'A'+low nibble, written as one 32-byte DNS
 * label followed by the empty root label.  All functions here are pure.
 */
#include <arpa/inet.h>
#include <string.h>

#include "portier/bytes.h"
#include "portier/kb.h"
#include "portier/probe.h"

int portier_nb_encode_name(const char *name, uint8_t suffix, uint8_t out[34])
{
	uint8_t plain[16];
	size_t len = name ? strlen(name) : 0, i;

	if (!name || len == 0 || len > PORTIER_NB_NAME_LEN)
		return PORTIER_EINVAL;
	/* RFC 1002 4.2.18: the wildcard "*" is padded with NULs, names with
	 * spaces (RFC 1001 14.1) */
	memset(plain, strcmp(name, "*") == 0 ? 0x00 : ' ', sizeof(plain));
	for (i = 0; i < len; i++) {
		uint8_t c = (uint8_t)name[i];

		/* NetBIOS names are upper case on the wire */
		plain[i] = (c >= 'a' && c <= 'z') ? (uint8_t)(c - 32) : c;
	}
	plain[15] = suffix;
	out[0] = 32;
	for (i = 0; i < 16; i++) {
		out[1 + 2 * i] = (uint8_t)('A' + (plain[i] >> 4));
		out[2 + 2 * i] = (uint8_t)('A' + (plain[i] & 0x0f));
	}
	out[33] = 0;
	return 0;
}

/* RFC 1002 4.3.2: SESSION REQUEST, called name <20>, calling name <00>. */
long portier_nbss_build(uint8_t *buf, size_t cap, const void *params)
{
	const struct portier_nbss_params *p = params;
	const char *called = p && p->called ? p->called : "*SMBSERVER";
	const char *calling = p && p->calling ? p->calling : "PORTIER";

	if (cap < 4 + 68)
		return PORTIER_EINVAL;
	buf[0] = PORTIER_NBSS_REQUEST;
	put_be24(buf + 1, 68);
	if (portier_nb_encode_name(called, 0x20, buf + 4) < 0 ||
	    portier_nb_encode_name(calling, 0x00, buf + 38) < 0)
		return PORTIER_EINVAL;
	return 4 + 68;
}

long portier_nbss_frame_len(const uint8_t *buf, size_t len,
			    struct portier_err *err)
{
	if (len < 4)
		return 0;
	switch (buf[0]) {
	case PORTIER_NBSS_MESSAGE:
		/* RFC 1002 4.3.1 allows 17 bits; MS-SMB2 2.1 uses all 24 on
		 * direct TCP.  Reading 24 covers both. */
		return 4 + (long)get_be24(buf + 1);
	case PORTIER_NBSS_REQUEST:
	case PORTIER_NBSS_POSITIVE:
	case PORTIER_NBSS_NEGATIVE:
	case PORTIER_NBSS_RETARGET:
	case PORTIER_NBSS_KEEPALIVE:
		if (buf[1] & 0xfe)
			return portier_err_set(err, PORTIER_EPROTO,
					       "session packet flags 0x%02x "
					       "have reserved bits set",
					       buf[1]);
		return 4 + (long)(get_be24(buf + 1) & 0x1ffffu);
	default:
		return portier_err_set(err, PORTIER_EPROTO,
				       "unknown session packet type 0x%02x",
				       buf[0]);
	}
}

int portier_nbss_parse(const uint8_t *buf, size_t len, void *out,
		       struct portier_err *err)
{
	struct portier_nbss_reply *r = out;
	size_t body;

	memset(r, 0, sizeof(*r));
	if (len < 4)
		return portier_err_set(err, PORTIER_EPROTO,
				       "session response of %zu bytes is "
				       "shorter than its 4-byte header",
				       len);
	body = get_be24(buf + 1) & 0x1ffffu;
	if (body > len - 4)
		return portier_err_set(err, PORTIER_EPROTO,
				       "session response claims %zu bytes "
				       "but only %zu follow its header",
				       body, len - 4);
	r->type = buf[0];
	switch (buf[0]) {
	case PORTIER_NBSS_POSITIVE:
		if (body != 0)
			return portier_err_set(err, PORTIER_EPROTO,
					       "positive session response "
					       "with a %zu-byte body (want 0)",
					       body);
		return 0;
	case PORTIER_NBSS_NEGATIVE:
		if (body != 1)
			return portier_err_set(err, PORTIER_EPROTO,
					       "negative session response "
					       "with a %zu-byte body (want 1)",
					       body);
		r->error = buf[4];
		return 0;
	case PORTIER_NBSS_RETARGET:
		if (body != 6)
			return portier_err_set(err, PORTIER_EPROTO,
					       "retarget session response "
					       "with a %zu-byte body (want 6)",
					       body);
		memcpy(&r->retarget_addr, buf + 4, 4);
		r->retarget_port = get_be16(buf + 8);
		return 0;
	default:
		return portier_err_set(err, PORTIER_EPROTO,
				       "session request answered with packet "
				       "type 0x%02x (want 0x82, 0x83 or 0x84)",
				       buf[0]);
	}
}

/* RFC 1002 4.3.4 */
const char *portier_nbss_error_name(uint8_t code)
{
	switch (code) {
	case 0x80:
		return "not listening on called name";
	case 0x81:
		return "not listening for calling name";
	case 0x82:
		return "called name not present";
	case 0x83:
		return "called name present, but insufficient resources";
	case 0x8f:
		return "unspecified error";
	default:
		return "unknown error code";
	}
}

const struct portier_probe portier_nbss_probe = {
	.name = "netbios-ssn",
	.port = 139,
	.proto = PORTIER_PROTO_TCP,
	.out_size = sizeof(struct portier_nbss_reply),
	.build = portier_nbss_build,
	.parse = portier_nbss_parse,
};
