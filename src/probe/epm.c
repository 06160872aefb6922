/*
 * epm.c - the DCE/RPC endpoint mapper's ept_lookup (opnum 2; DCE 1.1 RPC
 * appendix O, [MS-RPCE] 2.2.1.2.5): the request stub, the NDR response
 * (context handle, a conformant varying array of ept_entry_t, the towers
 * deferred behind it, the status), and the protocol towers (DCE 1.1 RPC
 * appendix L: floors of protocol id + address data).
 *
 * Binding strings are written the way impacket's rpcdump writes them, so
 * that the two lists can be compared line for line.  Every count and
 * length is checked against the bytes that are there before it is used.
 */
#include <stdio.h>
#include <string.h>

#include "portier/bytes.h"
#include "portier/probe.h"
#include "probe/wire.h"

long portier_epm_lookup_build(uint8_t *buf, size_t cap, const void *params)
{
	const struct portier_epm_lookup_params *p = params;
	uint32_t max = p && p->max_ents ? p->max_ents : PORTIER_EPM_MAX_PAGE;

	if (cap < 44 || max > PORTIER_EPM_MAX_PAGE)
		return PORTIER_EINVAL;
	put_le32(buf, 0);      /* inquiry_type RPC_C_EP_ALL_ELTS */
	put_le32(buf + 4, 0);  /* object: null pointer */
	put_le32(buf + 8, 0);  /* Ifid: null pointer */
	put_le32(buf + 12, 1); /* vers_option RPC_C_VERS_ALL */
	if (p)
		memcpy(buf + 16, p->handle, PORTIER_EPM_HANDLE_LEN);
	else
		memset(buf + 16, 0, PORTIER_EPM_HANDLE_LEN);
	put_le32(buf + 36, max);
	return 44;
}

/* Copy n bytes as printable text (others as '.'), cut at a NUL. */
static void printable(char *dst, size_t cap, const uint8_t *src, size_t n)
{
	size_t i;

	if (n > cap - 1)
		n = cap - 1;
	for (i = 0; i < n && src[i]; i++)
		dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? (char)src[i] : '.';
	dst[i] = '\0';
}

static int floor_syntax(const uint8_t *lhs, uint16_t ll, const uint8_t *rhs,
			uint16_t rl, struct portier_rpc_syntax *s,
			struct portier_err *err)
{
	if (ll != 19 || lhs[0] != 0x0d || rl < 2)
		return portier_err_set(err, PORTIER_EPROTO,
				       "tower floor of %u+%u bytes (protocol "
				       "0x%02x) is not a UUID floor",
				       ll, rl, ll ? lhs[0] : 0);
	memcpy(s->uuid, lhs + 1, 16);
	s->major = get_le16(lhs + 17);
	s->minor = get_le16(rhs);
	return 0;
}

static uint16_t port_of(const uint8_t *rhs, uint16_t rl)
{
	return rl >= 2 ? get_be16(rhs) : 0;
}

/* One address floor (the 4th and later); true once the binding is done. */
static bool address_floor(uint8_t id, const uint8_t *rhs, uint16_t rl,
			  struct portier_epm_entry *e)
{
	const char *seq = NULL;

	switch (id) {
	case 0x07:
		seq = "ncacn_ip_tcp";
		break;
	case 0x08:
		seq = "ncadg_ip_udp";
		break;
	case 0x1f:
		seq = "ncacn_http";
		break;
	case 0x09:
		if (rl == 4)
			snprintf(e->host, sizeof(e->host), "%u.%u.%u.%u",
				 rhs[0], rhs[1], rhs[2], rhs[3]);
		return e->protseq[0] != '\0';
	case 0x0f:
		portier_strlcpy(e->protseq, "ncacn_np", sizeof(e->protseq));
		printable(e->endpoint, sizeof(e->endpoint), rhs, rl);
		return false;
	case 0x10:
		portier_strlcpy(e->protseq, "ncalrpc", sizeof(e->protseq));
		printable(e->endpoint, sizeof(e->endpoint), rhs, rl);
		return true;
	case 0x01:
	case 0x11:
		printable(e->host, sizeof(e->host), rhs, rl);
		return e->protseq[0] != '\0';
	default:
		snprintf(e->protseq, sizeof(e->protseq), "unknown_0x%02x", id);
		return true;
	}
	portier_strlcpy(e->protseq, seq, sizeof(e->protseq));
	e->port = port_of(rhs, rl);
	snprintf(e->endpoint, sizeof(e->endpoint), "%u", e->port);
	return false;
}

int portier_epm_tower_parse(const uint8_t *buf, size_t len,
			    struct portier_epm_entry *e,
			    struct portier_err *err)
{
	size_t off = 2;
	uint16_t n, k;
	bool done = false;

	e->have_iface = false;
	e->rpc_proto = 0;
	e->protseq[0] = e->endpoint[0] = e->host[0] = e->binding[0] = '\0';
	e->port = 0;
	if (len < 2)
		return portier_err_set(err, PORTIER_EPROTO,
				       "tower of %zu bytes has no floor count",
				       len);
	n = get_le16(buf);
	for (k = 0; k < n; k++) {
		const uint8_t *lhs, *rhs;
		uint16_t ll, rl;
		int rc = 0;

		if (len - off < 2 || (ll = get_le16(buf + off)) > len - off - 2)
			goto trunc;
		lhs = buf + off + 2;
		off += 2 + (size_t)ll;
		if (len - off < 2 || (rl = get_le16(buf + off)) > len - off - 2)
			goto trunc;
		rhs = buf + off + 2;
		off += 2 + (size_t)rl;
		if (ll == 0)
			return portier_err_set(err, PORTIER_EPROTO,
					       "tower floor %u has no protocol "
					       "id",
					       k + 1);
		if (k == 0)
			rc = floor_syntax(lhs, ll, rhs, rl, &e->iface, err);
		else if (k == 1)
			rc = floor_syntax(lhs, ll, rhs, rl, &e->transfer, err);
		else if (k == 2)
			e->rpc_proto = lhs[0];
		else if (!done)
			done = address_floor(lhs[0], rhs, rl, e);
		if (rc < 0)
			return rc;
	}
	e->have_iface = n >= 1;
	if (strcmp(e->protseq, "ncalrpc") == 0)
		snprintf(e->binding, sizeof(e->binding), "ncalrpc:[%s]",
			 e->endpoint);
	else if (e->protseq[0])
		snprintf(e->binding, sizeof(e->binding), "%s:%s[%s]",
			 e->protseq, e->host, e->endpoint);
	return 0;
trunc:
	return portier_err_set(err, PORTIER_EPROTO,
			       "tower floor %u runs past the tower's %zu bytes",
			       k + 1, len);
}

static int lookup_entry(struct probe_ndr *r, struct portier_epm_entry *e,
			uint32_t *tower_ref)
{
	const uint8_t *p = NULL;
	uint32_t off, count;
	int rc;

	r->what = "an entry";
	r->off = (r->off + 3) & ~(size_t)3; /* a GUID starts 4-aligned */
	if ((rc = probe_ndr_bytes(r, 16, &p)) < 0 ||
	    (rc = probe_ndr_u32(r, tower_ref)) < 0)
		return rc;
	memcpy(e->object, p, 16);
	r->what = "an annotation";
	if ((rc = probe_ndr_u32(r, &off)) < 0 ||
	    (rc = probe_ndr_u32(r, &count)) < 0)
		return rc;
	if (off != 0 || count > 64)
		return portier_err_set(r->err, PORTIER_EPROTO,
				       "annotation of %u characters at offset "
				       "%u (at most 64 at 0)",
				       count, off);
	if ((rc = probe_ndr_bytes(r, count, &p)) < 0)
		return rc;
	printable(e->annotation, sizeof(e->annotation), p, count);
	return 0;
}

static int lookup_tower(struct probe_ndr *r, struct portier_epm_entry *e)
{
	const uint8_t *p = NULL;
	uint32_t max, tlen;
	int rc;

	r->what = "a tower";
	if ((rc = probe_ndr_u32(r, &max)) < 0 ||
	    (rc = probe_ndr_u32(r, &tlen)) < 0)
		return rc;
	if (tlen != max)
		return portier_err_set(r->err, PORTIER_EPROTO,
				       "tower length %u but %u bytes sent",
				       tlen, max);
	if ((rc = probe_ndr_bytes(r, tlen, &p)) < 0)
		return rc;
	return portier_epm_tower_parse(p, tlen, e, r->err);
}

int portier_epm_lookup_parse(const uint8_t *buf, size_t len, void *out,
			     struct portier_err *err)
{
	struct portier_epm_lookup_reply *o = out;
	struct probe_ndr r = {.b = buf,
			      .len = len,
			      .err = err,
			      .resp = "ept_lookup response",
			      .what = "the handle"};
	uint32_t refs[PORTIER_EPM_MAX_PAGE], max, off, actual, i;
	const uint8_t *h = NULL;
	int rc;

	o->n_entries = 0;
	o->status = 0;
	if ((rc = probe_ndr_bytes(&r, PORTIER_EPM_HANDLE_LEN, &h)) < 0)
		return rc;
	memcpy(o->handle, h, PORTIER_EPM_HANDLE_LEN);
	o->handle_null = true;
	for (i = 0; i < PORTIER_EPM_HANDLE_LEN; i++)
		if (h[i])
			o->handle_null = false;
	r.what = "the entry count";
	if ((rc = probe_ndr_u32(&r, &o->n_entries)) < 0)
		return rc;
	if (o->n_entries > PORTIER_EPM_MAX_PAGE) {
		uint32_t n = o->n_entries;

		o->n_entries = 0;
		return portier_err_set(err, PORTIER_EPROTO,
				       "%u entries in one page, asked for at "
				       "most %u",
				       n, PORTIER_EPM_MAX_PAGE);
	}
	r.what = "the entry array";
	if ((rc = probe_ndr_u32(&r, &max)) < 0 ||
	    (rc = probe_ndr_u32(&r, &off)) < 0 ||
	    (rc = probe_ndr_u32(&r, &actual)) < 0)
		goto bad;
	if (off != 0 || actual != o->n_entries || actual > max) {
		rc = portier_err_set(err, PORTIER_EPROTO,
				     "entry array of %u at offset %u (size "
				     "%u) for %u entries",
				     actual, off, max, o->n_entries);
		goto bad;
	}
	for (i = 0; i < actual; i++) {
		memset(&o->entries[i], 0, sizeof(o->entries[i]));
		if ((rc = lookup_entry(&r, &o->entries[i], &refs[i])) < 0)
			goto bad;
	}
	for (i = 0; i < actual; i++)
		if (refs[i] && (rc = lookup_tower(&r, &o->entries[i])) < 0)
			goto bad;
	r.what = "the status";
	if ((rc = probe_ndr_u32(&r, &o->status)) < 0)
		goto bad;
	return 0;
bad:
	o->n_entries = 0;
	return rc;
}

const struct portier_probe portier_epm_lookup_probe = {
	.name = "epm-lookup",
	.port = 135,
	.proto = PORTIER_PROTO_TCP,
	.out_size = sizeof(struct portier_epm_lookup_reply),
	.build = portier_epm_lookup_build,
	.parse = portier_epm_lookup_parse,
};
