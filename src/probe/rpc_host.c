/*
 * rpc_host.c - the network side of the endpoint mapper probe: connect to
 * TCP 135, bind to the endpoint mapper with NDR, then call ept_lookup on
 * the context handle the server returns until it ends the list.
 *
 * Two servers, two end signals: Windows hands back a zeroed handle with
 * the last page, Samba answers the call after the last page with
 * EPT_S_NOT_REGISTERED.  A server that never ends (a handle that keeps
 * coming back, pages with no entries) is stopped by the bounds in opt: the
 * page count, the entry count, and the size of one reassembled response.
 * Every PDU goes through the pure parsers of dcerpc.c and epm.c.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "probe/probe_int.h"

#define RPC_RAW_MAX   (256 * 1024)
#define RPC_MAX_FRAGS 256
/* A host gets this many timeouts in all, however it spreads its replies:
 * a server that drips a fragment just before each timeout cannot hold a
 * probe for pages x fragments x timeout. */
#define RPC_HOST_BUDGET 8

struct rpc_conn {
	int fd;
	long deadline, host_deadline; /* this exchange's, the whole host's */
	unsigned timeout_ms;
	struct portier_rpc_host *h;
	uint8_t pdu[65536]; /* one fragment: frag_length is 16 bits */
	struct portier_err err;
};

static void keep_raw(struct portier_rpc_host *h, const uint8_t *p, size_t n)
{
	if (!h->raw || h->raw_len >= RPC_RAW_MAX)
		return;
	if (n > RPC_RAW_MAX - h->raw_len)
		n = RPC_RAW_MAX - h->raw_len;
	memcpy(h->raw + h->raw_len, p, n);
	h->raw_len += n;
}

/* Receive and parse one PDU into c->pdu; its length, or negative. */
static long recv_pdu(struct rpc_conn *c, struct portier_dcerpc_pdu *p)
{
	long fl;
	int rc = probe_recv_all(c->fd, c->pdu, 10, c->deadline);

	if (rc < 0)
		return rc;
	fl = portier_dcerpc_frag_len(c->pdu, 10, &c->err);
	if (fl < 0)
		return fl;
	if (fl < 10)
		return portier_err_set(&c->err, PORTIER_EPROTO,
				       "fragment length %ld is shorter than "
				       "the header",
				       fl);
	rc = probe_recv_all(c->fd, c->pdu + 10, (size_t)fl - 10, c->deadline);
	if (rc < 0)
		return rc;
	keep_raw(c->h, c->pdu, (size_t)fl);
	rc = portier_dcerpc_parse(c->pdu, (size_t)fl, p, &c->err);
	return rc < 0 ? rc : fl;
}

/* The deadline of the next exchange: a timeout from now, but never past
 * the host's budget. */
static void arm(struct rpc_conn *c)
{
	c->deadline = probe_now_ms() + c->timeout_ms;
	if (c->deadline > c->host_deadline)
		c->deadline = c->host_deadline;
}

/* Set the host's failure: status and why (from err, else the I/O). */
static int fail(struct rpc_conn *c, int rc, const char *stage)
{
	if (rc == -ETIMEDOUT && probe_now_ms() >= c->host_deadline)
		portier_err_set(&c->err, rc,
				"the host used up its %u ms (%u times the "
				"timeout)",
				c->timeout_ms * RPC_HOST_BUDGET,
				RPC_HOST_BUDGET);
	c->h->status = rc;
	snprintf(c->h->why, sizeof(c->h->why), "%s: %.200s", stage,
		 c->err.msg[0] ? c->err.msg : probe_io_why(rc));
	return rc;
}

static int epm_bind(struct rpc_conn *c)
{
	struct portier_dcerpc_bind_params bp = {.call_id = 1};
	struct portier_dcerpc_pdu p;
	uint8_t req[128];
	long len = portier_dcerpc_bind_build(req, sizeof(req), &bp);
	int rc;

	arm(c);
	rc = len < 0 ? (int)len
		     : probe_send_all(c->fd, req, (size_t)len, c->deadline);
	if (rc == 0)
		rc = (int)recv_pdu(c, &p);
	if (rc < 0)
		return fail(c, rc, "bind");
	if (p.ptype == PORTIER_DCERPC_BIND_NAK) {
		portier_err_set(&c->err, PORTIER_EPROTO,
				"refused (bind_nak, reason %u)",
				p.reject_reason);
		return fail(c, -ECONNREFUSED, "bind");
	}
	if (p.ptype != PORTIER_DCERPC_BIND_ACK || p.call_id != 1) {
		portier_err_set(&c->err, PORTIER_EPROTO,
				"answered with PDU type %u (call %u)", p.ptype,
				p.call_id);
		return fail(c, PORTIER_EPROTO, "bind");
	}
	if (p.result != 0) {
		portier_err_set(&c->err, PORTIER_EPROTO,
				"the endpoint mapper with NDR was not "
				"accepted (result %u, reason %u)",
				p.result, p.reason);
		return fail(c, -ECONNREFUSED, "bind");
	}
	c->h->bound = true;
	c->h->max_xmit = p.max_xmit;
	return 0;
}

/* One ept_lookup call: its reassembled stub into reasm. */
static int call(struct rpc_conn *c, uint32_t call_id,
		const struct portier_epm_lookup_params *lp,
		struct portier_dcerpc_reasm *reasm)
{
	struct portier_dcerpc_request_params rp = {
		.call_id = call_id, .opnum = PORTIER_EPM_OPNUM_LOOKUP};
	struct portier_dcerpc_pdu p;
	uint8_t stub[64], req[128];
	long len = portier_epm_lookup_build(stub, sizeof(stub), lp);
	int rc;

	rp.stub = stub;
	rp.stub_len = len < 0 ? 0 : (size_t)len;
	len = len < 0 ? len
		      : portier_dcerpc_request_build(req, sizeof(req), &rp);
	arm(c);
	rc = len < 0 ? (int)len
		     : probe_send_all(c->fd, req, (size_t)len, c->deadline);
	reasm->len = 0;
	reasm->frags = 0;
	reasm->done = false;
	reasm->call_id = call_id;
	while (rc == 0 && !reasm->done) {
		rc = (int)recv_pdu(c, &p);
		if (rc < 0)
			break;
		if (p.ptype == PORTIER_DCERPC_FAULT) {
			portier_err_set(
				&c->err, PORTIER_EPROTO, "fault 0x%08x (%s)",
				p.fault_status,
				portier_dcerpc_fault_name(p.fault_status));
			return PORTIER_EPROTO;
		}
		rc = portier_dcerpc_reasm_add(reasm, c->pdu, &p, &c->err);
	}
	return rc;
}

static int lookup_all(struct rpc_conn *c, const struct portier_rpc_opts *o,
		      struct portier_dcerpc_reasm *reasm,
		      struct portier_epm_lookup_reply *page)
{
	struct portier_epm_lookup_params lp = {.max_ents = 0};
	struct portier_rpc_host *h = c->h;
	uint32_t call_id = 2, i;
	int rc;

	for (;;) {
		if (h->pages >= o->max_pages) {
			portier_err_set(&c->err, PORTIER_EPROTO,
					"the server did not end the list "
					"after %u pages",
					h->pages);
			return fail(c, PORTIER_EPROTO, "ept_lookup");
		}
		rc = call(c, call_id++, &lp, reasm);
		if (rc == 0)
			rc = portier_epm_lookup_parse(reasm->buf, reasm->len,
						      page, &c->err);
		if (rc < 0)
			return fail(c, rc, "ept_lookup");
		h->pages++;
		if (page->status != 0 &&
		    page->status != PORTIER_EPT_S_NOT_REGISTERED) {
			portier_err_set(&c->err, PORTIER_EPROTO,
					"status 0x%08x", page->status);
			return fail(c, PORTIER_EPROTO, "ept_lookup");
		}
		if (page->n_entries > o->max_entries - h->n_entries) {
			portier_err_set(&c->err, PORTIER_EPROTO,
					"more than %u entries", o->max_entries);
			return fail(c, PORTIER_EPROTO, "ept_lookup");
		}
		if (portier_grow(&h->entries, &h->cap_entries,
				 h->n_entries + page->n_entries,
				 sizeof(*h->entries), 64) < 0) {
			portier_err_set(&c->err, PORTIER_ENOMEM,
					"out of memory");
			return fail(c, PORTIER_ENOMEM, "ept_lookup");
		}
		for (i = 0; i < page->n_entries; i++)
			h->entries[h->n_entries++] = page->entries[i];
		/* Samba ends with EPT_S_NOT_REGISTERED on the last page
		 * (its entries count), Windows with a zeroed handle */
		if (page->status == PORTIER_EPT_S_NOT_REGISTERED) {
			h->end = "EPT_S_NOT_REGISTERED";
			return 0;
		}
		if (page->handle_null) {
			h->end = "null handle";
			return 0;
		}
		memcpy(lp.handle, page->handle, sizeof(lp.handle));
	}
}

int portier_probe_rpc_host(const struct portier_addr *addr,
			   const struct portier_rpc_opts *opt,
			   struct portier_rpc_host *out,
			   struct portier_err *err)
{
	struct portier_rpc_opts o = {0};
	struct portier_dcerpc_reasm reasm = {.max_frags = RPC_MAX_FRAGS};
	struct portier_epm_lookup_reply *page = NULL;
	struct rpc_conn *c = NULL;
	const char *refused, *hint = "";
	char ip[PORTIER_ADDR_STRLEN];
	int rc;

	if (opt)
		o = *opt;
	if (!o.timeout_ms)
		o.timeout_ms = 3000;
	if (!o.port)
		o.port = 135;
	if (!o.max_pages)
		o.max_pages = 256;
	if (!o.max_entries)
		o.max_entries = 4096;
	if (!o.max_stub)
		o.max_stub = 1 << 20;
	memset(out, 0, sizeof(*out));
	out->addr = *addr;
	out->port = o.port;
	portier_addr_str(addr, ip, sizeof(ip));
	if ((refused = portier_addr_not_target(addr, &hint))) {
		portier_err_set(err, PORTIER_EINVAL, "target '%s' is %s", ip,
				refused);
		portier_err_hint(err, "%s", hint);
		return PORTIER_EINVAL;
	}
	c = portier_calloc(1, sizeof(*c));
	if (c)
		c->fd = -1;
	page = portier_malloc(sizeof(*page));
	reasm.buf = portier_malloc(o.max_stub);
	reasm.cap = o.max_stub;
	out->raw = portier_malloc(RPC_RAW_MAX);
	if (!c || !page || !reasm.buf || !out->raw) {
		rc = portier_err_set(err, PORTIER_ENOMEM, "%s: out of memory",
				     ip);
		goto done;
	}
	c->h = out;
	c->timeout_ms = o.timeout_ms;
	c->host_deadline =
		probe_now_ms() + (long)o.timeout_ms * RPC_HOST_BUDGET;
	c->fd = probe_tcp_start(addr, o.port);
	rc = c->fd < 0 ? c->fd
		       : probe_tcp_finish(c->fd, probe_now_ms() + o.timeout_ms);
	out->tcp = probe_tcp_state(-rc);
	if (rc < 0) {
		portier_err_set(err, rc, "%s: %u/tcp %s", ip, o.port,
				portier_tcp_state_name(out->tcp));
		goto done;
	}
	rc = epm_bind(c);
	if (rc < 0) {
		portier_err_set(err, rc, "%s: %s", ip, out->why);
		goto done;
	}
	(void)lookup_all(c, &o, &reasm, page);
	rc = 0;
done:
	if (c)
		probe_tcp_abort(c->fd);
	portier_free(c);
	portier_free(page);
	portier_free(reasm.buf);
	return rc;
}

void portier_rpc_host_free(struct portier_rpc_host *h)
{
	portier_free(h->entries);
	portier_free(h->raw);
	h->entries = NULL;
	h->raw = NULL;
	h->n_entries = h->cap_entries = h->raw_len = 0;
}
