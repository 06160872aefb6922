/*
 * smb.c - service detection for Windows networking's TCP ports, with the
 * probe module's pure builders and parsers (probe.h): "smb" on 445 (an
 * SMB2 NEGOTIATE) and 139 (a NetBIOS session request first), "msrpc" on
 * 135 (a DCE/RPC bind to the endpoint mapper).  These services never speak
 * first and answer only their own protocol: without them -sV would wait
 * out every other module on them.  What the dialects, signing, shares and
 * endpoints say is the host probes' work (scan --probe smb,rpc; -sV runs
 * them too); this only names the service.
 */
#include <stdio.h>
#include <string.h>

#include "svc/svc_int.h"

enum { SMB_START, SMB_SESSION, SMB_NEGOTIATE };

/* A whole framed packet in in[0..n)?  Its length, 0 for "not yet", or -1
 * for bytes that are not a session-service packet. */
static long framed(const uint8_t *in, size_t n)
{
	long len = portier_nbss_frame_len(in, n, NULL);

	if (len < 0)
		return -1;
	return len > 0 && (size_t)len <= n ? len : 0;
}

static enum portier_svc_verdict
negotiate(struct portier_svc_conv *c, uint8_t *out, size_t cap, size_t *out_len)
{
	struct portier_smb_params p;
	long len;

	memset(&p, 0, sizeof(p));
	p.dialect = PORTIER_SMB_202;
	memcpy(p.client_guid, "portier-svc-smb!", 16);
	len = portier_smb2_build(out, cap, &p);
	if (len <= 0 || c->eof)
		return PORTIER_SVC_NOT;
	*out_len = (size_t)len;
	c->step = SMB_NEGOTIATE;
	return PORTIER_SVC_SEND;
}

static enum portier_svc_verdict smb_step(struct portier_svc_conv *c,
					 const uint8_t *in, size_t n,
					 uint8_t *out, size_t cap,
					 size_t *out_len, struct portier_svc *s)
{
	struct portier_nbss_params np = {NULL, NULL};
	struct portier_nbss_reply nr;
	struct portier_smb_negotiate neg;
	long len;

	if (c->step == SMB_START) {
		if (c->port != 139)
			return negotiate(c, out, cap, out_len);
		len = portier_nbss_build(out, cap, &np);
		if (len <= 0 || c->eof)
			return PORTIER_SVC_NOT;
		*out_len = (size_t)len;
		c->step = SMB_SESSION;
		return PORTIER_SVC_SEND;
	}
	len = framed(in, n);
	if (len < 0 || (len == 0 && svc_final(c, n)))
		return PORTIER_SVC_NOT;
	if (len == 0)
		return PORTIER_SVC_MORE;
	if (c->step == SMB_SESSION) {
		if (portier_nbss_parse(in, (size_t)len, &nr, NULL) < 0)
			return PORTIER_SVC_NOT;
		if (nr.type == PORTIER_NBSS_POSITIVE)
			return negotiate(c, out, cap, out_len);
		svc_recognised(s, "netbios-ssn");
		snprintf(s->extrainfo, sizeof(s->extrainfo),
			 "session refused: %s",
			 nr.type == PORTIER_NBSS_NEGATIVE
				 ? portier_nbss_error_name(nr.error)
				 : "retarget");
		return PORTIER_SVC_DONE;
	}
	if (c->step != SMB_NEGOTIATE ||
	    portier_smb_parse(in, (size_t)len, &neg, NULL) < 0)
		return PORTIER_SVC_NOT;
	svc_recognised(s, c->port == 139 ? "netbios-ssn" : "microsoft-ds");
	if (neg.smb1)
		snprintf(s->extrainfo, sizeof(s->extrainfo),
			 "SMB1 only; signing %s",
			 neg.signing_required ? "required" : "not required");
	else if (neg.accepted)
		snprintf(s->extrainfo, sizeof(s->extrainfo),
			 "SMB %s; signing %s",
			 portier_smb_dialect_name(neg.dialect),
			 neg.signing_required ? "required" : "not required");
	return PORTIER_SVC_DONE;
}

static enum portier_svc_verdict
msrpc_step(struct portier_svc_conv *c, const uint8_t *in, size_t n,
	   uint8_t *out, size_t cap, size_t *out_len, struct portier_svc *s)
{
	struct portier_dcerpc_bind_params bp = {1, NULL, NULL};
	struct portier_dcerpc_pdu pdu;
	long len;

	if (c->step == 0) {
		len = portier_dcerpc_bind_build(out, cap, &bp);
		if (len <= 0 || c->eof)
			return PORTIER_SVC_NOT;
		*out_len = (size_t)len;
		c->step = 1;
		return PORTIER_SVC_SEND;
	}
	len = portier_dcerpc_frag_len(in, n, NULL);
	if (len < 0 || (size_t)len > n)
		return len < 0 || svc_final(c, n) ? PORTIER_SVC_NOT
						  : PORTIER_SVC_MORE;
	if (len == 0)
		return svc_final(c, n) ? PORTIER_SVC_NOT : PORTIER_SVC_MORE;
	if (portier_dcerpc_parse(in, (size_t)len, &pdu, NULL) < 0 ||
	    (pdu.ptype != PORTIER_DCERPC_BIND_ACK &&
	     pdu.ptype != PORTIER_DCERPC_BIND_NAK))
		return PORTIER_SVC_NOT;
	svc_recognised(s, "msrpc");
	portier_strlcpy(s->product, "Microsoft Windows RPC",
			sizeof(s->product));
	return PORTIER_SVC_DONE;
}

static const uint16_t smb_ports[] = {445, 139, 0};
static const uint16_t msrpc_ports[] = {135, 593, 0};

const struct portier_svc_proto portier_svc_smb = {
	.name = "smb",
	.ports = smb_ports,
	.rarity = 5,
	.server_first = false,
	.step = smb_step,
};

const struct portier_svc_proto portier_svc_msrpc = {
	.name = "msrpc",
	.ports = msrpc_ports,
	.rarity = 5,
	.server_first = false,
	.step = msrpc_step,
};
