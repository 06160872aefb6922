/*
 * driver.c - service detection on one address and port: the only code of
 * src/svc/ that touches a socket or a clock (svc_run.h is the contract).
 *
 * A port is reached with probe_tcp_* (src/probe/tcp.c).  The NULL probe
 * waits for a banner; then modules run in the order plan() chooses, each
 * with its own struct portier_svc_conv.  A module runs on the connection
 * the banner came on while nothing has been sent there (a client-first
 * module may speak on it; a server-first one gets the banner), else on a
 * fresh connection.  Every read waits at most timeout_ms for its reply and
 * never past the port's total_ms; a reply is kept to PORTIER_SVC_REPLY_MAX
 * bytes, after which the module is told eof; a module gets at most
 * SVC_MAX_SENDS exchanges.
 *
 * All bytes pass through a struct portier_svc_io: the plain one over the
 * socket, or, when the port speaks TLS, a layer (tls.h) that does its
 * handshake over the plain io and then encrypts and decrypts for the
 * modules, which never know the difference.  TLS is tried first on the
 * ports that usually carry it, and once more on a port that sent no
 * banner and that no module recognised in the clear.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "portier/svc_run.h"
#include "probe/probe_int.h"

#define SVC_TIMEOUT_MS 5000u
#define SVC_BANNER_MS  3000u
#define SVC_TOTAL_MS   30000u
#define SVC_IDLE_MS    250 /* a banner cut mid-line is over once quiet this long */
#define SVC_OUT_MAX    4096 /* what a module may send at once */
#define SVC_MAX_SENDS  32

/* ---- the plain byte io over a socket ------------------------------------ */

static int plain_send(void *ctx, const uint8_t *buf, size_t len, long deadline)
{
	return probe_send_all(*(int *)ctx, buf, len, deadline);
}

static long plain_recv(void *ctx, uint8_t *buf, size_t cap, long deadline)
{
	return probe_recv_some(*(int *)ctx, buf, cap, deadline);
}

void portier_svc_io_plain(struct portier_svc_io *io, int *fd)
{
	io->send = plain_send;
	io->recv = plain_recv;
	io->close = NULL; /* the driver resets the socket itself */
	io->ctx = fd;
}

/* ---- the TLS layer's byte io ------------------------------------------ */

/* A TLS layer over the plain io of a connection. */
struct tls_io {
	struct portier_tls *t;
	struct portier_svc_io under;
};

/* Send every byte of ciphertext the layer has for the peer. */
static int tls_flush(struct tls_io *x, long deadline)
{
	uint8_t out[4096];
	size_t n;
	int rc;

	while ((n = portier_tls_take(x->t, out, sizeof(out))) > 0)
		if ((rc = x->under.send(x->under.ctx, out, n, deadline)) < 0)
			return rc;
	return 0;
}

/* One read of ciphertext into the layer: 1, 0 when the peer closed (the
 * layer is told), or -errno (-ETIMEDOUT at the deadline). */
static int tls_pull(struct tls_io *x, long deadline)
{
	uint8_t in[4096];
	long n = x->under.recv(x->under.ctx, in, sizeof(in), deadline);

	if (n > 0)
		return portier_tls_feed(x->t, in, (size_t)n, NULL) < 0 ? -ENOMEM
								       : 1;
	if (n == -ETIMEDOUT)
		return -ETIMEDOUT;
	portier_tls_feed_eof(x->t);
	return 0;
}

static int tls_send(void *ctx, const uint8_t *buf, size_t len, long deadline)
{
	struct tls_io *x = ctx;

	if (portier_tls_write(x->t, buf, len, NULL) < 0)
		return -EIO;
	return tls_flush(x, deadline);
}

static long tls_recv(void *ctx, uint8_t *buf, size_t cap, long deadline)
{
	struct tls_io *x = ctx;

	for (;;) {
		size_t got = 0;
		int rc;

		switch (portier_tls_read(x->t, buf, cap, &got, NULL)) {
		case PORTIER_TLS_OK:
			return (long)got;
		case PORTIER_TLS_CLOSED:
			return 0;
		case PORTIER_TLS_FAILED:
			return -EPROTO;
		case PORTIER_TLS_WANT_INPUT:
			break;
		}
		/* a TLS 1.3 key update may want an answer before more */
		if ((rc = tls_flush(x, deadline)) < 0 ||
		    (rc = tls_pull(x, deadline)) < 0)
			return rc;
	}
}

static void tls_close(void *ctx)
{
	struct tls_io *x = ctx;

	portier_tls_free(x->t);
	x->t = NULL;
}

/* The ports nmap's tables mark tunnel "ssl": a handshake comes first. */
static bool tls_port(uint16_t port)
{
	static const uint16_t ports[] = {
		261,  443,  448,  465,	563,  585,  614,  636,	853,
		989,  990,  992,  993,	994,  995,  2376, 2484, 3269,
		4443, 5061, 5986, 6679, 6697, 8443, 9443, 10443};
	size_t i;

	for (i = 0; i < sizeof(ports) / sizeof(ports[0]); i++)
		if (ports[i] == port)
			return true;
	return false;
}

/* ---- one connection ----------------------------------------------------- */

struct conn {
	int fd; /* -1: none */
	struct portier_svc_io io;
	struct tls_io tio; /* when io is the TLS layer's */
	bool sent;	   /* a module has sent on it: no longer fresh */
	bool closed;	   /* the peer closed it */
	uint8_t buf[PORTIER_SVC_REPLY_MAX];
	size_t len; /* the banner, then the reply since the last send */
};

struct run {
	const struct portier_addr *addr;
	uint16_t port;
	const struct portier_svc_opts *o;
	unsigned timeout, banner_ms;
	long end;	 /* when the port's time is up (probe_now_ms) */
	bool heard;	 /* the port ever sent a byte */
	bool tls;	 /* connections start with a TLS handshake */
	bool tls_failed; /* a handshake failed (not a connect) */
	bool tls_ok;	 /* a handshake completed: info holds its facts */
	struct portier_tls_info info;
	struct portier_svc_report *rep;
	struct conn c;
	char first_line[sizeof(((struct portier_svc *)0)->match_text)];
	const struct portier_svc_proto **plan; /* room for every module */
	uint8_t out[SVC_OUT_MAX];
};

/* now + ms, but never past the end of the port's time */
static long deadline(const struct run *r, unsigned ms)
{
	long d = probe_now_ms() + (long)ms;

	return d < r->end ? d : r->end;
}

static void conn_close(struct conn *c)
{
	if (c->fd >= 0 && c->io.close)
		c->io.close(c->io.ctx);
	memset(&c->io, 0, sizeof(c->io));
	probe_tcp_abort(c->fd);
	c->fd = -1;
	c->len = 0;
	c->sent = c->closed = false;
}

/*
 * The handshake over the connection's plain io, bounded by the reply
 * timeout; on success c->io becomes the layer's and the first handshake's
 * facts are kept.  0, or -EPROTO (not TLS, or it failed) / -errno.
 */
static int tls_start(struct run *r)
{
	struct conn *c = &r->c;
	struct tls_io *x = &c->tio;
	long end = deadline(r, r->timeout);
	enum portier_tls_status st;
	int rc;

	x->under = c->io;
	if (portier_tls_new(r->o->tls, r->o->host, &x->t, NULL) < 0)
		return -ENOMEM;
	for (;;) {
		st = portier_tls_handshake(x->t, NULL);
		if ((rc = tls_flush(x, end)) < 0)
			break;
		if (st == PORTIER_TLS_OK) {
			if (!r->tls_ok &&
			    portier_tls_get_info(x->t, &r->info, NULL) == 0)
				r->tls_ok = true;
			c->io.send = tls_send;
			c->io.recv = tls_recv;
			c->io.close = tls_close;
			c->io.ctx = x;
			return 0;
		}
		if (st == PORTIER_TLS_FAILED) {
			rc = -EPROTO;
			break;
		}
		if ((rc = tls_pull(x, end)) < 0)
			break;
	}
	portier_tls_free(x->t);
	x->t = NULL;
	r->tls_failed = true;
	return rc < 0 ? rc : -EPROTO;
}

/* Connect (and shake hands when r->tls): 0 or -errno. */
static int conn_open(struct run *r)
{
	struct conn *c = &r->c;
	int fd, rc;

	conn_close(c);
	r->rep->connections++;
	fd = probe_tcp_start(r->addr, r->port);
	if (fd < 0)
		return fd;
	rc = probe_tcp_finish(fd, deadline(r, r->timeout));
	if (rc < 0) {
		probe_tcp_abort(fd);
		return rc;
	}
	c->fd = fd;
	/* The seam: every byte of a conversation passes through c->io. */
	portier_svc_io_plain(&c->io, &c->fd);
	if (r->tls && (rc = tls_start(r)) < 0) {
		conn_close(c);
		return rc;
	}
	return 0;
}

/*
 * One wait of at most wait_ms for more bytes into c->buf after c->len:
 * whether any came.  The peer closing (or failing) sets c->closed.
 */
static bool read_some(struct run *r, unsigned wait_ms)
{
	struct conn *c = &r->c;
	long n;

	if (c->len >= sizeof(c->buf) || c->closed)
		return false;
	n = c->io.recv(c->io.ctx, c->buf + c->len, sizeof(c->buf) - c->len,
		       deadline(r, wait_ms));
	if (n == 0 || (n < 0 && n != -ETIMEDOUT)) {
		c->closed = true;
		return false;
	}
	if (n < 0)
		return false;
	c->len += (size_t)n;
	r->heard = true;
	return true;
}

/*
 * A banner: what comes within wait_ms, until it ends a line (a module that
 * needs more says MORE), the peer is quiet for SVC_IDLE_MS after bytes that
 * do not, closes, or the buffer is full.  Whether anything came.
 */
static bool read_banner(struct run *r, unsigned wait_ms)
{
	struct conn *c = &r->c;
	long end = deadline(r, wait_ms), left;
	bool got = false;

	for (;;) {
		left = end - probe_now_ms();
		if (got && left > SVC_IDLE_MS)
			left = SVC_IDLE_MS;
		if (left <= 0 || !read_some(r, (unsigned)left))
			return got;
		got = true;
		if (c->buf[c->len - 1] == '\n')
			return true;
	}
}

/* ---- choosing modules --------------------------------------------------- */

static bool names_port(const struct portier_svc_proto *p, uint16_t port)
{
	const uint16_t *q;

	for (q = p->ports; q && *q; q++)
		if (*q == port)
			return true;
	return false;
}

static bool listed(const struct portier_svc_proto **v, size_t n,
		   const struct portier_svc_proto *p)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] == p)
			return true;
	return false;
}

/* Add the modules that speak first (or not) and name the port (or not) to
 * v[0..*n), each once; only rare enough ones when rarity is set. */
static void add(const struct run *r, const struct portier_svc_proto **v,
		size_t *n, bool server_first, bool own_port, bool rarity)
{
	size_t i;

	for (i = 0; i < portier_svc_n_protos; i++) {
		const struct portier_svc_proto *p = portier_svc_protos[i];

		if (p->server_first == server_first &&
		    names_port(p, r->port) == own_port &&
		    (!rarity || p->rarity <= r->o->intensity) &&
		    !listed(v, *n, p))
			v[(*n)++] = p;
	}
}

/*
 * The modules to try, in order, into v (room for every module): --probe's
 * list as given; else, with a banner, every module whose server speaks
 * first (reading a banner sends nothing; those naming the port first, as
 * nmap matches its NULL probe before it sends anything), then the
 * client-first modules naming the port, then the other client-first ones
 * as rare as --version-intensity allows.
 */
static size_t plan(const struct run *r, bool banner,
		   const struct portier_svc_proto **v)
{
	size_t i, n = 0;

	if (r->o->only) {
		for (i = 0; i < r->o->n_only && n < portier_svc_n_protos; i++)
			if (!listed(v, n, r->o->only[i]))
				v[n++] = r->o->only[i];
		return n;
	}
	if (banner) {
		add(r, v, &n, true, true, false);
		add(r, v, &n, true, false, false);
	}
	add(r, v, &n, false, true, false);
	add(r, v, &n, false, false, true);
	return n;
}

/* Is the port one a client-first module names and no server-first one
 * does?  Then a banner is unlikely and the NULL probe waits less. */
static bool client_port(uint16_t port)
{
	bool client = false;
	size_t i;

	for (i = 0; i < portier_svc_n_protos; i++) {
		if (!names_port(portier_svc_protos[i], port))
			continue;
		if (portier_svc_protos[i]->server_first)
			return false;
		client = true;
	}
	return client;
}

/* ---- running one module ------------------------------------------------- */

/*
 * A connection for module p: the current one while nothing was sent on it
 * and the peer has not closed it (a server-first module also needs its
 * banner), else a new one (whose banner a server-first module waits for).
 * 0 or -errno.
 */
static int ready(struct run *r, const struct portier_svc_proto *p)
{
	struct conn *c = &r->c;
	int rc;

	if (c->fd >= 0 && !c->sent && !c->closed &&
	    (!p->server_first || c->len))
		return 0;
	if ((rc = conn_open(r)) < 0)
		return rc;
	if (p->server_first)
		read_banner(r, r->banner_ms);
	return 0;
}

/* Run p to its verdict: DONE with s filled, or NOT. */
static enum portier_svc_verdict converse(struct run *r,
					 const struct portier_svc_proto *p,
					 struct portier_svc *s)
{
	struct conn *c = &r->c;
	struct portier_svc_conv cv;
	enum portier_svc_verdict v;
	unsigned sends = 0;
	size_t out_len;

	memset(&cv, 0, sizeof(cv));
	cv.host = r->o->host;
	cv.port = r->port;
	cv.intrusive = r->o->intrusive;
	if (!p->server_first)
		c->len = 0; /* a banner is not a reply to anything it sends */
	/* a server-first module's banner is over when the peer closed, or
	 * when nothing came in the banner's whole wait */
	cv.eof = p->server_first && (c->closed || !c->len);
	for (;;) {
		out_len = 0;
		v = p->step(&cv, p->server_first || sends ? c->buf : NULL,
			    p->server_first || sends ? c->len : 0, r->out,
			    sizeof(r->out), &out_len, s);
		if (v == PORTIER_SVC_DONE || v == PORTIER_SVC_NOT)
			return v;
		if (v == PORTIER_SVC_MORE) {
			/* the contract forbids MORE at eof: a module that
			 * asks anyway gets nothing more */
			if (cv.eof)
				return PORTIER_SVC_NOT;
			if (!read_some(r, r->timeout))
				cv.eof = true; /* nothing more, or no room */
			continue;
		}
		/* SEND */
		if (c->closed || out_len > sizeof(r->out) ||
		    ++sends > SVC_MAX_SENDS)
			return PORTIER_SVC_NOT;
		c->sent = true;
		c->len = 0;
		cv.eof = false;
		if (out_len && c->io.send(c->io.ctx, r->out, out_len,
					  deadline(r, r->timeout)) < 0) {
			c->closed = true;
			cv.eof = true;
			continue;
		}
		if (!read_some(r, r->timeout) || c->len >= sizeof(c->buf))
			cv.eof = true;
	}
}

/* ---- when no module knew it --------------------------------------------- */

/* The banner's first line (printable ASCII, others as '?'), kept for a
 * guess when no module knows the service. */
static void keep_first_line(struct run *r)
{
	const struct conn *c = &r->c;
	size_t k, n = 0;

	for (k = 0; k < c->len && n + 1 < sizeof(r->first_line); k++) {
		unsigned char ch = c->buf[k];

		if (ch == '\r' || ch == '\n')
			break;
		r->first_line[n++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
	}
	r->first_line[n] = '\0';
}

/* The first bytes of the banner for people: printable ASCII as it is, a
 * backslash doubled, anything else \xNN (as nmap's fingerprints show). */
static void escape_banner(const struct conn *c, char *dst, size_t cap)
{
	size_t k, o = 0;

	for (k = 0; k < c->len && k < PORTIER_SVC_BANNER_MAX; k++) {
		unsigned char ch = c->buf[k];

		if (o + 5 > cap)
			break;
		if (ch == '\\')
			o += (size_t)snprintf(dst + o, cap - o, "\\\\");
		else if (ch >= 0x20 && ch < 0x7f)
			dst[o++] = (char)ch;
		else
			o += (size_t)snprintf(dst + o, cap - o, "\\x%02x", ch);
	}
	dst[o] = '\0';
}

/* Every fingerprint tried on the banner's first line: a match names the
 * service (conf 10) even without a module for it. */
static bool banner_guess(const struct run *r, struct portier_svc *s)
{
	memset(s, 0, sizeof(*s));
	if (!r->first_line[0])
		return false;
	memcpy(s->match_text, r->first_line, sizeof(s->match_text));
	if (portier_svc_fps_apply(r->o->fps, NULL, s) >= 0) {
		s->probed = true;
		return true;
	}
	memset(s, 0, sizeof(*s));
	return false;
}

void portier_svc_from_table(const struct portier_kb *kb, uint16_t port,
			    enum portier_proto proto, struct portier_svc *s)
{
	const char *name = portier_kb_service_name(kb, port, proto);

	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name ? name : "unknown");
	s->conf = 3;
}

/* What the handshake showed, as a finding of no risk (nmap's ssl-cert). */
static void cert_summary(const struct portier_tls_info *in,
			 struct portier_svc *s)
{
	static const struct portier_probe_finding f = {
		PORTIER_RISK_NONE,
		"ssl-cert",
		"the certificate and protocol the server showed",
		"nothing to do when this is the certificate you installed",
	};
	char from[16] = "?", to[16] = "?";
	struct tm tm;

	if (!in->has_cert) {
		portier_svc_add_finding(s, &f, "%s %s, no certificate",
					in->version, in->cipher);
		return;
	}
	if (gmtime_r(&in->not_before, &tm))
		strftime(from, sizeof(from), "%Y-%m-%d", &tm);
	if (gmtime_r(&in->not_after, &tm))
		strftime(to, sizeof(to), "%Y-%m-%d", &tm);
	portier_svc_add_finding(
		s, &f, "CN=%.48s, issuer CN=%.48s, %s to %s, %s",
		in->subject_cn, in->issuer_cn, from, to, in->version);
}

/*
 * The NULL probe and the modules on a connection just opened (plain or
 * TLS): whether a module recognised the port (s filled).  *banner: the port
 * spoke first; *wrapped: it closed before a word and before we said one.
 */
static bool detect(struct run *r, struct portier_svc *s, bool *banner,
		   bool *wrapped)
{
	size_t i, n;

	/* the NULL probe: shorter where the port's own module speaks first */
	read_banner(r, client_port(r->port) && !r->o->only ? r->banner_ms / 4
							   : r->banner_ms);
	*banner = r->c.len > 0;
	/* closed before a word and before we said one: a wrapper (tcpd, a
	 * firewall's proxy) that lets the connection in and drops it */
	*wrapped = !*banner && r->c.closed;
	keep_first_line(r);
	escape_banner(&r->c, r->rep->banner, sizeof(r->rep->banner));
	n = plan(r, *banner, r->plan);
	for (i = 0; i < n; i++) {
		const struct portier_svc_proto *p = r->plan[i];

		if (p->server_first && !*banner)
			continue; /* it waits for what never came */
		if (probe_now_ms() >= r->end)
			break; /* the port's time is up */
		if (ready(r, p) < 0)
			break; /* the port stopped answering */
		memset(s, 0, sizeof(*s));
		if (converse(r, p, s) != PORTIER_SVC_DONE)
			continue;
		r->rep->module = p->name;
		if (!s->name[0])
			snprintf(s->name, sizeof(s->name), "%s", p->name);
		s->probed = true;
		if (s->conf < 8)
			s->conf = 8;
		s->match_text[sizeof(s->match_text) - 1] = '\0';
		portier_svc_fps_apply(r->o->fps, p->name, s);
		return true;
	}
	return false;
}

int portier_svc_run(const struct portier_addr *addr, uint16_t port,
		    const struct portier_svc_opts *opts, struct portier_svc *s,
		    struct portier_svc_report *rep)
{
	struct portier_svc_report dummy;
	struct run *r;
	bool banner, wrapped, done;
	int rc;

	if (!rep)
		rep = &dummy;
	memset(rep, 0, sizeof(*rep));
	memset(s, 0, sizeof(*s));
	if (portier_addr_not_target(addr, NULL))
		return rep->error = PORTIER_EINVAL;
	r = portier_calloc(1, sizeof(*r)); /* the buffers are large */
	if (r)
		r->plan = portier_calloc(portier_svc_n_protos + 1,
					 sizeof(*r->plan));
	if (!r || !r->plan) {
		portier_free(r);
		return rep->error = PORTIER_ENOMEM;
	}
	r->addr = addr;
	r->port = port;
	r->o = opts;
	r->rep = rep;
	r->c.fd = -1;
	r->timeout = opts->timeout_ms ? opts->timeout_ms : SVC_TIMEOUT_MS;
	r->banner_ms = opts->banner_ms ? opts->banner_ms : SVC_BANNER_MS;
	r->end = probe_now_ms() +
		 (long)(opts->total_ms ? opts->total_ms : SVC_TOTAL_MS);
	r->tls = opts->tls && tls_port(port);
	rc = conn_open(r);
	if (rc < 0 && r->tls_failed) {
		/* it took the connection but not the handshake: in the clear */
		r->tls = false;
		rc = conn_open(r);
	}
	if (rc < 0) {
		rep->error = rc;
		portier_free(r->plan);
		portier_free(r);
		return rc;
	}
	done = detect(r, s, &banner, &wrapped);
	if (!done && !banner && !wrapped && !r->tls && !r->tls_failed &&
	    opts->tls && probe_now_ms() < r->end) {
		/* silent and unknown in the clear: it may wait for a
		 * ClientHello (nmap's SSLSessionReq) */
		r->tls = true;
		if (conn_open(r) == 0)
			done = detect(r, s, &banner, &wrapped);
		else
			r->tls = false;
	}
	if (!done && r->tls_ok) {
		/* TLS, and nothing any module knows inside it */
		memset(s, 0, sizeof(*s));
		snprintf(s->name, sizeof(s->name), "ssl");
		s->probed = true;
		s->conf = 8;
		done = true;
	}
	if (done && r->tls_ok) {
		portier_tls_judge(&r->info, time(NULL), s);
		cert_summary(&r->info, s);
	}
	if (!done && wrapped && !r->heard) {
		/* every connection closed without a byte: nmap's tcpwrapped */
		memset(s, 0, sizeof(*s));
		snprintf(s->name, sizeof(s->name), "tcpwrapped");
		s->probed = true;
		s->conf = 8;
	} else if (!done && !banner_guess(r, s)) {
		portier_svc_from_table(opts->kb, port, PORTIER_PROTO_TCP, s);
	}
	conn_close(&r->c);
	portier_free(r->plan);
	portier_free(r);
	return 0;
}
