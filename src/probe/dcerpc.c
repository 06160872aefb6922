/*
 * dcerpc.c - DCE/RPC connection-oriented PDUs (DCE 1.1 RPC, chapter 12;
 * Microsoft's [MS-RPCE] 2.2.2): bind, bind_ack, bind_nak, request,
 * response and fault, and the reassembly of a fragmented response.
 *
 * Only little-endian NDR with ASCII characters and IEEE floats (drep 0x10)
 * is read: that is what every Windows and Samba server sends to a client
 * that offers it, and the header's drep is checked rather than assumed.
 * Every offset is checked against the PDU before it is read.
 */
#include <stdio.h>
#include <string.h>

#include "portier/bytes.h"
#include "portier/probe.h"

#define DREP_LE 0x10 /* little-endian integers, ASCII, IEEE floats */

const struct portier_rpc_syntax portier_rpc_epm_syntax = {
	{0x08, 0x83, 0xaf, 0xe1, 0x1f, 0x5d, 0xc9, 0x11, 0x91, 0xa4, 0x08, 0x00,
	 0x2b, 0x14, 0xa0, 0xfa},
	3,
	0};
const struct portier_rpc_syntax portier_rpc_ndr_syntax = {
	{0x04, 0x5d, 0x88, 0x8a, 0xeb, 0x1c, 0xc9, 0x11, 0x9f, 0xe8, 0x08, 0x00,
	 0x2b, 0x10, 0x48, 0x60},
	2,
	0};

void portier_guid_str(const uint8_t g[16], char *buf, size_t cap)
{
	/* MS-DTYP 2.3.4: Data1-3 little-endian, Data4 as bytes */
	snprintf(buf, cap,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		 "%02x%02x%02x%02x%02x%02x",
		 g[3], g[2], g[1], g[0], g[5], g[4], g[7], g[6], g[8], g[9],
		 g[10], g[11], g[12], g[13], g[14], g[15]);
}

int portier_guid_parse(const char *s, uint8_t g[16])
{
	/* where each string byte goes in the wire form */
	static const uint8_t order[16] = {3, 2, 1,  0,	5,  4,	7,  6,
					  8, 9, 10, 11, 12, 13, 14, 15};
	size_t i, k = 0;

	if (strlen(s) != 36)
		return PORTIER_EINVAL;
	for (i = 0; i < 36;) {
		int hi, lo;

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i++] != '-')
				return PORTIER_EINVAL;
			continue;
		}
		hi = portier_hex_digit((unsigned char)s[i]);
		lo = portier_hex_digit((unsigned char)s[i + 1]);
		if (hi < 0 || lo < 0)
			return PORTIER_EINVAL;
		g[order[k++]] = (uint8_t)(hi << 4 | lo);
		i += 2;
	}
	return 0;
}

static void put_syntax(uint8_t *p, const struct portier_rpc_syntax *s)
{
	memcpy(p, s->uuid, 16);
	put_le16(p + 16, s->major);
	put_le16(p + 18, s->minor);
}

static void get_syntax(const uint8_t *p, struct portier_rpc_syntax *s)
{
	memcpy(s->uuid, p, 16);
	s->major = get_le16(p + 16);
	s->minor = get_le16(p + 18);
}

static void put_header(uint8_t *p, uint8_t ptype, size_t frag_len,
		       uint32_t call_id)
{
	p[0] = 5; /* rpc_vers */
	p[1] = 0; /* rpc_vers_minor */
	p[2] = ptype;
	p[3] = PORTIER_DCERPC_FIRST_FRAG | PORTIER_DCERPC_LAST_FRAG;
	p[4] = DREP_LE;
	p[5] = p[6] = p[7] = 0;
	put_le16(p + 8, (uint16_t)frag_len);
	put_le16(p + 10, 0); /* auth_length */
	put_le32(p + 12, call_id);
}

long portier_dcerpc_bind_build(uint8_t *buf, size_t cap, const void *params)
{
	const struct portier_dcerpc_bind_params *bp = params;
	const size_t len = PORTIER_DCERPC_HDR_LEN + 8 + 4 + 44;
	uint8_t *p = buf + PORTIER_DCERPC_HDR_LEN;

	if (cap < len)
		return PORTIER_EINVAL;
	put_header(buf, PORTIER_DCERPC_BIND, len, bp ? bp->call_id : 1);
	put_le16(p, PORTIER_DCERPC_MAX_FRAG);	  /* max_xmit_frag */
	put_le16(p + 2, PORTIER_DCERPC_MAX_FRAG); /* max_recv_frag */
	put_le32(p + 4, 0);			  /* assoc_group_id: new */
	p[8] = 1;				  /* n_context_elem */
	p[9] = p[10] = p[11] = 0;
	put_le16(p + 12, 0); /* p_cont_id */
	p[14] = 1;	     /* n_transfer_syn */
	p[15] = 0;
	put_syntax(p + 16,
		   bp && bp->abstract ? bp->abstract : &portier_rpc_epm_syntax);
	put_syntax(p + 36,
		   bp && bp->transfer ? bp->transfer : &portier_rpc_ndr_syntax);
	return (long)len;
}

long portier_dcerpc_request_build(uint8_t *buf, size_t cap, const void *params)
{
	const struct portier_dcerpc_request_params *rp = params;
	size_t len;

	if (!rp || rp->stub_len > 65535 - PORTIER_DCERPC_HDR_LEN - 8)
		return PORTIER_EINVAL;
	len = PORTIER_DCERPC_HDR_LEN + 8 + rp->stub_len;
	if (cap < len)
		return PORTIER_EINVAL;
	put_header(buf, PORTIER_DCERPC_REQUEST, len, rp->call_id);
	put_le32(buf + 16, (uint32_t)rp->stub_len); /* alloc_hint */
	put_le16(buf + 20, rp->context_id);
	put_le16(buf + 22, rp->opnum);
	if (rp->stub_len)
		memcpy(buf + 24, rp->stub, rp->stub_len);
	return (long)len;
}

long portier_dcerpc_frag_len(const uint8_t *buf, size_t len,
			     struct portier_err *err)
{
	uint16_t fl;

	if (len < 10)
		return 0;
	if (buf[0] != 5 || buf[1] != 0)
		return portier_err_set(err, PORTIER_EPROTO,
				       "not DCE/RPC 5.0 (version %u.%u)",
				       buf[0], buf[1]);
	if ((buf[4] & 0xf0) != DREP_LE)
		return portier_err_set(err, PORTIER_EPROTO,
				       "big-endian data representation "
				       "(drep 0x%02x) is not supported",
				       buf[4]);
	fl = get_le16(buf + 8);
	if (fl < PORTIER_DCERPC_HDR_LEN)
		return portier_err_set(err, PORTIER_EPROTO,
				       "fragment length %u is shorter than the "
				       "header",
				       fl);
	return fl;
}

static int parse_bind_ack(const uint8_t *buf, size_t len,
			  struct portier_dcerpc_pdu *o, struct portier_err *err)
{
	size_t off = PORTIER_DCERPC_HDR_LEN, i, n;
	uint16_t sl;

	if (len < off + 10)
		return portier_err_set(err, PORTIER_EPROTO,
				       "bind_ack of %zu bytes is truncated",
				       len);
	o->max_xmit = get_le16(buf + off);
	o->max_recv = get_le16(buf + off + 2);
	o->assoc_group = get_le32(buf + off + 4);
	sl = get_le16(buf + off + 8);
	off += 10;
	if (sl > len - off)
		return portier_err_set(err, PORTIER_EPROTO,
				       "bind_ack secondary address of %u bytes "
				       "runs past the PDU",
				       sl);
	n = sl < sizeof(o->sec_addr) ? sl : sizeof(o->sec_addr) - 1;
	for (i = 0; i < n && buf[off + i]; i++)
		o->sec_addr[i] = buf[off + i] >= 0x20 && buf[off + i] < 0x7f
					 ? (char)buf[off + i]
					 : '.';
	o->sec_addr[i] = '\0';
	off += sl;
	off = (off + 3) & ~(size_t)3; /* p_result_list is 4-aligned */
	if (off + 4 > len)
		return portier_err_set(err, PORTIER_EPROTO,
				       "bind_ack has no result list");
	o->n_results = buf[off];
	off += 4;
	if (o->n_results == 0)
		return portier_err_set(err, PORTIER_EPROTO,
				       "bind_ack with no results");
	if (off + 24 > len)
		return portier_err_set(err, PORTIER_EPROTO,
				       "bind_ack result list of %u entries "
				       "runs past the PDU",
				       o->n_results);
	o->result = get_le16(buf + off);
	o->reason = get_le16(buf + off + 2);
	get_syntax(buf + off + 4, &o->accepted_syntax);
	return 0;
}

int portier_dcerpc_parse(const uint8_t *buf, size_t len, void *out,
			 struct portier_err *err)
{
	struct portier_dcerpc_pdu *o = out;
	long fl = portier_dcerpc_frag_len(buf, len, err);
	size_t body;

	memset(o, 0, sizeof(*o));
	if (fl < 0)
		return (int)fl;
	if (len < PORTIER_DCERPC_HDR_LEN)
		return portier_err_set(err, PORTIER_EPROTO,
				       "PDU of %zu bytes is shorter than the "
				       "header",
				       len);
	if ((size_t)fl != len)
		return portier_err_set(err, PORTIER_EPROTO,
				       "fragment length %ld, but %zu bytes", fl,
				       len);
	o->ptype = buf[2];
	o->flags = buf[3];
	o->frag_len = (uint16_t)fl;
	o->auth_len = get_le16(buf + 10);
	o->call_id = get_le32(buf + 12);
	body = len;
	if (o->auth_len) { /* an 8-byte sec_trailer precedes the verifier */
		if ((size_t)o->auth_len + 8 > len - PORTIER_DCERPC_HDR_LEN)
			return portier_err_set(err, PORTIER_EPROTO,
					       "auth_length %u runs past the "
					       "PDU",
					       o->auth_len);
		body = len - o->auth_len - 8;
	}
	switch (o->ptype) {
	case PORTIER_DCERPC_BIND_ACK:
		return parse_bind_ack(buf, body, o, err);
	case PORTIER_DCERPC_BIND_NAK:
		if (body < PORTIER_DCERPC_HDR_LEN + 2)
			return portier_err_set(err, PORTIER_EPROTO,
					       "bind_nak is truncated");
		o->reject_reason = get_le16(buf + 16);
		return 0;
	case PORTIER_DCERPC_RESPONSE:
	case PORTIER_DCERPC_FAULT:
		if (body < PORTIER_DCERPC_HDR_LEN + 8)
			return portier_err_set(err, PORTIER_EPROTO,
					       "%s of %zu bytes is truncated",
					       o->ptype == PORTIER_DCERPC_FAULT
						       ? "fault"
						       : "response",
					       len);
		o->alloc_hint = get_le32(buf + 16);
		o->context_id = get_le16(buf + 20);
		if (o->ptype == PORTIER_DCERPC_FAULT) {
			if (body < PORTIER_DCERPC_HDR_LEN + 12)
				return portier_err_set(
					err, PORTIER_EPROTO,
					"fault without a status");
			o->fault_status = get_le32(buf + 24);
			return 0;
		}
		o->stub_off = PORTIER_DCERPC_HDR_LEN + 8;
		o->stub_len = body - o->stub_off;
		return 0;
	default:
		return portier_err_set(err, PORTIER_EPROTO,
				       "unexpected PDU type %u", o->ptype);
	}
}

const char *portier_dcerpc_fault_name(uint32_t status)
{
	switch (status) {
	case 0x1c010002:
		return "operation out of range";
	case 0x1c010003:
		return "unknown interface";
	case 0x1c00001a:
		return "protocol error";
	case 0x00000005:
		return "access denied";
	case 0x000006f7:
		return "bad stub data";
	case 0x1c010014:
	case 0x000006d8:
		return "the server is too busy";
	default:
		return "fault";
	}
}

int portier_dcerpc_reasm_add(struct portier_dcerpc_reasm *r, const uint8_t *pdu,
			     const struct portier_dcerpc_pdu *p,
			     struct portier_err *err)
{
	bool first = (p->flags & PORTIER_DCERPC_FIRST_FRAG) != 0;

	if (r->done)
		return portier_err_set(err, PORTIER_EPROTO,
				       "a fragment after the last one");
	if (p->ptype != PORTIER_DCERPC_RESPONSE)
		return portier_err_set(err, PORTIER_EPROTO,
				       "PDU type %u inside a fragmented "
				       "response",
				       p->ptype);
	if (r->frags == 0 ? !first : first)
		return portier_err_set(err, PORTIER_EPROTO,
				       "fragment %u %s the first-fragment flag",
				       r->frags + 1,
				       first ? "carries" : "lacks");
	if (p->call_id != r->call_id)
		return portier_err_set(err, PORTIER_EPROTO,
				       "fragment of call %u while waiting for "
				       "call %u",
				       p->call_id, r->call_id);
	if (r->max_frags && r->frags >= r->max_frags)
		return portier_err_set(err, PORTIER_EPROTO,
				       "more than %u fragments in one response",
				       r->max_frags);
	if (p->stub_len > r->cap - r->len)
		return portier_err_set(err, PORTIER_EPROTO,
				       "response larger than %zu bytes",
				       r->cap);
	memcpy(r->buf + r->len, pdu + p->stub_off, p->stub_len);
	r->len += p->stub_len;
	r->frags++;
	r->done = (p->flags & PORTIER_DCERPC_LAST_FRAG) != 0;
	return 0;
}

const struct portier_probe portier_dcerpc_bind_probe = {
	.name = "dcerpc-bind",
	.port = 135,
	.proto = PORTIER_PROTO_TCP,
	.out_size = sizeof(struct portier_dcerpc_pdu),
	.build = portier_dcerpc_bind_build,
	.parse = portier_dcerpc_parse,
};
