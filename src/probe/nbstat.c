/*
 * nbstat.c - NetBIOS node status (what `nbtstat -A` asks): build the query,
 * parse the answer, and read the answer the way an attacker would.
 *
 * One UDP datagram to port 137 asking for the status of the wildcard name
 * "*" (RFC 1002 4.2.17) makes a Windows or Samba host list every NetBIOS name
 * it has registered, each with a suffix byte that says which service owns
 * it, plus the adapter's MAC address (RFC 1002 4.2.18).  The parser trusts
 * no count and no length in the reply: every read is checked against the
 * datagram's real size, and a name count or RDLENGTH that does not fit is a
 * malformed reply, never a shorter list presented as complete.
 */
#include <string.h>

#include "portier/bytes.h"
#include "portier/kb.h"
#include "portier/probe.h"

#define NB_TYPE_NBSTAT	 0x0021 /* RFC 1002 4.2.1.3 */
#define NB_CLASS_IN	 0x0001
#define NB_HEADER_LEN	 12
#define NB_NODE_NAME_LEN 18 /* 16 name bytes + 2 flag bytes */

/* RFC 1002 4.2.17: NODE STATUS REQUEST for "*", 50 bytes. */
long portier_nbstat_build(uint8_t *buf, size_t cap, const void *params)
{
	const struct portier_nbstat_params *p = params;
	uint16_t id = p ? p->trn_id : 0;

	if (cap < 50)
		return PORTIER_EINVAL;
	memset(buf, 0, NB_HEADER_LEN);
	put_be16(buf, id);
	/* opcode QUERY, no flags: a unicast question, never broadcast */
	buf[5] = 1; /* QDCOUNT */
	portier_nb_encode_name("*", 0x00, buf + NB_HEADER_LEN);
	buf[46] = 0;
	buf[47] = NB_TYPE_NBSTAT;
	buf[48] = 0;
	buf[49] = NB_CLASS_IN;
	return 50;
}

/*
 * Skip a domain-style name at *off (RFC 1002 4.1, RFC 1035 4.1.4): labels
 * up to 63 bytes, or a 2-byte compression pointer that ends the name.
 */
static int skip_name(const uint8_t *buf, size_t len, size_t *off,
		     const char *what, struct portier_err *err)
{
	size_t o = *off;
	unsigned labels = 0;

	for (;;) {
		uint8_t l;

		if (o >= len)
			return portier_err_set(err, PORTIER_EPROTO,
					       "%s runs past the end of the "
					       "%zu-byte reply",
					       what, len);
		l = buf[o];
		if (l == 0) {
			o++;
			break;
		}
		if ((l & 0xc0) == 0xc0) {
			if (o + 2 > len)
				return portier_err_set(
					err, PORTIER_EPROTO,
					"%s: compression pointer cut off at "
					"byte %zu",
					what, o);
			o += 2;
			break;
		}
		if (l > 63)
			return portier_err_set(err, PORTIER_EPROTO,
					       "%s has a label length of %u "
					       "(at most 63)",
					       what, l);
		if (++labels > 127)
			return portier_err_set(err, PORTIER_EPROTO,
					       "%s has more than 127 labels",
					       what);
		o += 1 + (size_t)l;
	}
	*off = o;
	return 0;
}

/*
 * Is the name at off the first-level encoding of "*" (RFC 1002 4.1: a
 * 32-byte label "CK" then "AA" fifteen times, the NUL padding), as our query
 * asks?  A compression pointer (RFC 1035 4.1.4) is followed once; labels
 * after the first (a NetBIOS scope) do not change which name it is.  Letters
 * compare without case.  Reads only inside buf; false when anything is off.
 */
static bool name_is_star(const uint8_t *buf, size_t len, size_t off)
{
	uint8_t star[34];
	size_t i;

	if (off + 2 <= len && (buf[off] & 0xc0) == 0xc0)
		off = get_be16(buf + off) & 0x3fffu;
	if (off >= len || len - off < 33)
		return false;
	portier_nb_encode_name("*", 0x00, star);
	for (i = 0; i < 33; i++) {
		uint8_t c = buf[off + i];

		if (c >= 'a' && c <= 'z')
			c = (uint8_t)(c - 'a' + 'A');
		if (c != star[i])
			return false;
	}
	return true;
}

static void printable_name(const uint8_t raw[PORTIER_NB_NAME_LEN],
			   char out[PORTIER_NB_NAME_LEN + 1])
{
	size_t i, end = PORTIER_NB_NAME_LEN;

	for (i = 0; i < PORTIER_NB_NAME_LEN; i++)
		out[i] = (raw[i] >= 0x20 && raw[i] < 0x7f) ? (char)raw[i] : '.';
	while (end > 0 && out[end - 1] == ' ')
		end--;
	out[end] = '\0';
}

static bool name_is_blank(const uint8_t raw[PORTIER_NB_NAME_LEN])
{
	size_t i;

	for (i = 0; i < PORTIER_NB_NAME_LEN; i++)
		if (raw[i] != ' ' && raw[i] != 0)
			return false;
	return true;
}

int portier_nbstat_parse(const uint8_t *buf, size_t len, void *out,
			 struct portier_err *err)
{
	struct portier_nbstat_reply *r = out;
	uint16_t flags, qd, an, rdlen, type, i;
	size_t off = NB_HEADER_LEN, end, need;
	bool star = true;
	int rc;

	memset(r, 0, sizeof(*r));
	if (len < NB_HEADER_LEN)
		return portier_err_set(err, PORTIER_EPROTO,
				       "reply of %zu bytes is shorter than "
				       "the 12-byte name service header",
				       len);
	r->trn_id = get_be16(buf);
	flags = get_be16(buf + 2);
	qd = get_be16(buf + 4);
	an = get_be16(buf + 6);
	/* RFC 1002 4.2.1.1: R bit, OPCODE in bits 11-14, RCODE in 0-3 */
	if (!(flags & 0x8000))
		return portier_err_set(err, PORTIER_EPROTO,
				       "packet is a request, not a response "
				       "(flags 0x%04x)",
				       flags);
	if ((flags >> 11 & 0xf) != 0)
		return portier_err_set(err, PORTIER_EPROTO,
				       "response opcode %u is not a query "
				       "response",
				       flags >> 11 & 0xf);
	if (flags & 0xf)
		return portier_err_set(err, PORTIER_EPROTO,
				       "node status refused with rcode %u",
				       flags & 0xf);
	if (an == 0)
		return portier_err_set(err, PORTIER_EPROTO,
				       "response carries no answer record");
	for (i = 0; i < qd; i++) {
		star = star && name_is_star(buf, len, off);
		rc = skip_name(buf, len, &off, "question name", err);
		if (rc < 0)
			return rc;
		off += 4;
		if (off > len)
			return portier_err_set(err, PORTIER_EPROTO,
					       "question cut off at byte %zu "
					       "of %zu",
					       off - 4, len);
	}
	star = star && name_is_star(buf, len, off);
	rc = skip_name(buf, len, &off, "answer name", err);
	if (rc < 0)
		return rc;
	if (len - off < 10)
		return portier_err_set(err, PORTIER_EPROTO,
				       "answer record header cut off: %zu of "
				       "10 bytes",
				       len - off);
	type = get_be16(buf + off);
	rdlen = get_be16(buf + off + 8);
	off += 10;
	if (type != NB_TYPE_NBSTAT)
		return portier_err_set(err, PORTIER_EPROTO,
				       "answer has type 0x%04x, not NBSTAT "
				       "(0x0021)",
				       type);
	if (rdlen > len - off)
		return portier_err_set(err, PORTIER_EPROTO,
				       "RDLENGTH %u runs past the end of the "
				       "reply (%zu bytes left)",
				       rdlen, len - off);
	end = off + rdlen;
	if (rdlen < 1)
		return portier_err_set(err, PORTIER_EPROTO,
				       "node status RDATA is empty (no name "
				       "count)");
	r->n_names = buf[off++];
	need = (size_t)r->n_names * NB_NODE_NAME_LEN;
	if (need > end - off)
		return portier_err_set(err, PORTIER_EPROTO,
				       "name count %u needs %zu bytes but "
				       "RDATA has %zu",
				       r->n_names, need, end - off);
	for (i = 0; i < r->n_names; i++) {
		struct portier_nb_name *n = &r->names[i];

		memcpy(n->raw, buf + off, PORTIER_NB_NAME_LEN);
		n->suffix = buf[off + 15];
		n->flags = get_be16(buf + off + 16);
		off += NB_NODE_NAME_LEN;
		if (name_is_blank(n->raw))
			return portier_err_set(err, PORTIER_EPROTO,
					       "name %u of %u is empty "
					       "(suffix <%02X>)",
					       i + 1, r->n_names, n->suffix);
		printable_name(n->raw, n->name);
	}
	/* STATISTICS: UNIT_ID first (RFC 1002 4.2.18).  Windows sends the full
	 * 46 bytes; a shorter block still holds the MAC if it has 6. */
	if (end - off >= 6) {
		memcpy(r->mac, buf + off, 6);
		r->have_mac = true;
	}
	r->for_star = star;
	return 0;
}

/* ---- what the names mean --------------------------------------------- */

static bool is_msbrowse(const struct portier_nb_name *n)
{
	return n->suffix == 0x01 &&
	       memcmp(n->raw, "\x01\x02__MSBROWSE__\x02", 15) == 0;
}

const char *portier_nb_name_meaning(const struct portier_nb_name *n)
{
	bool group = n->flags & PORTIER_NB_FLAG_GROUP;

	if (is_msbrowse(n))
		return "master browser (announces itself to other browsers)";
	switch (n->suffix) {
	case 0x00:
		return group ? "workgroup or domain name"
			     : "workstation service (computer name)";
	case 0x01:
		return "messenger service (Windows 3.x)";
	case 0x03:
		return "messenger service (computer or logged-on user)";
	case 0x06:
		return "RAS server service";
	case 0x1b:
		return "domain master browser";
	case 0x1c:
		if (memcmp(n->raw, "INet~Services", 13) == 0)
			return "IIS web server";
		return group ? "domain controllers" : "domain controller";
	case 0x1d:
		return "master browser";
	case 0x1e:
		return "browser service elections";
	case 0x1f:
		return "NetDDE service";
	case 0x20:
		return "file server service";
	case 0x21:
		return "RAS client service";
	case 0x22:
		return "Exchange interchange";
	case 0x23:
		return "Exchange store";
	case 0x24:
		return "Exchange directory";
	case 0x2b:
		return "Lotus Notes server";
	case 0x30:
		return "modem sharing server";
	case 0x43:
		return "SMS client remote control";
	case 0x6a:
		return "Exchange IMC";
	case 0x87:
		return "Exchange MTA";
	case 0xbe:
		return "network monitor agent";
	case 0xbf:
		return "network monitor application";
	default:
		return "unknown service";
	}
}

const char *portier_nb_node_type(uint16_t flags)
{
	static const char *const types[] = {"B", "P", "M", "H"};

	return types[(flags & PORTIER_NB_FLAG_ONT_MASK) >> 13];
}

void portier_nbstat_summarize(const struct portier_nbstat_reply *r,
			      struct portier_nbstat_summary *s)
{
	uint16_t i;
	size_t k;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < r->n_names; i++) {
		const struct portier_nb_name *n = &r->names[i];
		bool group = n->flags & PORTIER_NB_FLAG_GROUP;

		if (n->suffix == 0x00 && !group && !s->computer[0])
			portier_strlcpy(s->computer, n->name,
					sizeof(s->computer));
		else if (n->suffix == 0x00 && group && !s->workgroup[0])
			portier_strlcpy(s->workgroup, n->name,
					sizeof(s->workgroup));
		if (is_msbrowse(n)) {
			s->roles |= PORTIER_NB_ROLE_MASTER_BROWSER;
			continue;
		}
		switch (n->suffix) {
		case 0x03:
			s->roles |= PORTIER_NB_ROLE_MESSENGER;
			break;
		case 0x1b:
			s->roles |= PORTIER_NB_ROLE_DOMAIN_MASTER;
			break;
		case 0x1c:
			s->roles |= memcmp(n->raw, "INet~Services", 13) == 0
					    ? PORTIER_NB_ROLE_IIS
					    : PORTIER_NB_ROLE_DOMAIN_CONTROLLER;
			break;
		case 0x1d:
			s->roles |= PORTIER_NB_ROLE_MASTER_BROWSER;
			break;
		case 0x20:
			s->roles |= PORTIER_NB_ROLE_FILE_SERVER;
			break;
		default:
			break;
		}
	}
	/* a unique <03> is a user's name unless the same name is also a
	 * machine name (<00> or <20>: the computer or one of its aliases) */
	for (i = 0; i < r->n_names && !s->user[0]; i++) {
		const struct portier_nb_name *n = &r->names[i];
		uint16_t j;
		bool machine = false;

		if (n->suffix != 0x03 || (n->flags & PORTIER_NB_FLAG_GROUP))
			continue;
		for (j = 0; j < r->n_names; j++) {
			const struct portier_nb_name *m = &r->names[j];

			if ((m->suffix == 0x00 || m->suffix == 0x20) &&
			    !(m->flags & PORTIER_NB_FLAG_GROUP) &&
			    memcmp(m->raw, n->raw, PORTIER_NB_NAME_LEN) == 0)
				machine = true;
		}
		if (!machine)
			portier_strlcpy(s->user, n->name, sizeof(s->user));
	}
	s->mac_zero = true;
	for (k = 0; k < 6; k++)
		if (r->mac[k])
			s->mac_zero = false;
}

const struct portier_probe portier_nbstat_probe = {
	.name = "nbstat",
	.port = 137,
	.proto = PORTIER_PROTO_UDP,
	.out_size = sizeof(struct portier_nbstat_reply),
	.build = portier_nbstat_build,
	.parse = portier_nbstat_parse,
};
