/*
 * local_out.c - the socket table and the JSON Lines of `portier local`.
 *
 * The table is printed in two passes over the sockets: the first measures
 * each column, the second prints, so nothing but the snapshot is held in
 * memory however many sockets there are (50,000 rows cost no copies).
 * Service names come from the knowledge base for the port that names the
 * service: the local port of a listener or of an accepted connection, the
 * remote port of a connection this host opened.  Addresses are never
 * resolved to names: that would send DNS queries.
 */
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cli/local_out.h"

void local_view_init(struct local_view *v)
{
	portier_local_listen_ports(v->l, PORTIER_LOCAL_TCP, &v->listen_tcp);
	portier_local_listen_ports(v->l, PORTIER_LOCAL_UDP, &v->listen_udp);
}

/* The decimal digits of v and a NUL at p; returns the end. */
static char *put_uint(char *p, unsigned v)
{
	char tmp[10];
	int n = 0;

	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (n)
		*p++ = tmp[--n];
	*p = '\0';
	return p;
}

void local_out_endpoint(const struct portier_sock *s, bool remote, char *buf,
			size_t len)
{
	char a[64], *p = buf;
	size_t al;
	uint16_t port = remote ? s->rport : s->lport;
	bool v6 = s->family == AF_INET6;

	if (s->family == AF_UNIX) {
		portier_sock_addr(s, remote, buf, len);
		return;
	}
	portier_sock_addr(s, remote, a, sizeof(a));
	al = strlen(a);
	/* "[" address "]" ":" and at most 5 digits (the table's cells are
	 * far larger; a small buffer gets the same text cut) */
	if (len < al + 10) {
		if (remote && port == 0 && s->proto != PORTIER_LOCAL_RAW &&
		    portier_sock_listening(s))
			snprintf(buf, len, v6 ? "[%s]:*" : "%s:*", a);
		else
			snprintf(buf, len, v6 ? "[%s]:%u" : "%s:%u", a, port);
		return;
	}
	if (v6)
		*p++ = '[';
	memcpy(p, a, al);
	p += al;
	if (v6)
		*p++ = ']';
	*p++ = ':';
	if (remote && port == 0 && s->proto != PORTIER_LOCAL_RAW &&
	    portier_sock_listening(s)) {
		*p++ = '*';
		*p = '\0';
	} else {
		put_uint(p, port);
	}
}

const char *local_out_service(const struct local_view *v,
			      const struct portier_sock *s, uint16_t *port)
{
	const struct portier_portmap *m;
	unsigned proto;

	if (!v->kb || s->family == AF_UNIX || s->proto == PORTIER_LOCAL_RAW)
		return NULL;
	proto = s->proto == PORTIER_LOCAL_TCP ? PORTIER_PROTO_TCP
					      : PORTIER_PROTO_UDP;
	m = s->proto == PORTIER_LOCAL_TCP ? &v->listen_tcp : &v->listen_udp;
	*port = portier_local_outbound(s, m) ? s->rport : s->lport;
	return portier_kb_service_name(v->kb, *port, proto);
}

void local_out_owners(const struct portier_local *l,
		      const struct portier_sock *s, char *buf, size_t len)
{
	size_t used = 0;
	uint32_t i;
	int prev = -1;

	buf[0] = '\0';
	for (i = 0; i < s->owner_count && used + 1 < len; i++) {
		const struct portier_proc *p =
			portier_local_owner(l, s, i, NULL);
		const char *comm = p->comm[0] ? p->comm : "?";
		char piece[48], *e = piece; /* ",pid/comm": comm is < 17 */
		size_t k, cl = strnlen(comm, sizeof(p->comm));

		if (p->pid == prev) /* the same process through another fd */
			continue;
		prev = p->pid;
		if (used)
			*e++ = ',';
		if (p->pid < 0)
			*e++ = '-';
		e = put_uint(e, p->pid < 0 ? 0u - (unsigned)p->pid
					   : (unsigned)p->pid);
		*e++ = '/';
		memcpy(e, comm, cl);
		e += cl;
		/* as snprintf would: what fits, and the whole length counted */
		k = (size_t)(e - piece);
		memcpy(buf + used, piece,
		       k < len - used - 1 ? k : len - used - 1);
		buf[used + (k < len - used - 1 ? k : len - used - 1)] = '\0';
		used += k;
	}
	if (used >= len && len > 4)
		memcpy(buf + len - 4, "...", 4);
}

const char *local_out_safe(char *dst, size_t cap, const char *src)
{
	portier_text_clean(dst, cap, src, PORTIER_TEXT_TERM);
	return dst;
}

json_t *local_out_procs_json(const struct portier_local *l,
			     const struct portier_sock *s)
{
	json_t *arr = json_array();
	uint32_t i;

	for (i = 0; arr && i < s->owner_count; i++) {
		int fd;
		const struct portier_proc *p =
			portier_local_owner(l, s, i, &fd);
		json_t *o = json_pack(
			"{s:i, s:o, s:o, s:b, s:o, s:o, s:i, s:o, s:o, s:o}",
			"pid", p->pid, "comm", cli_json_string(p->comm), "exe",
			cli_json_string(p->exe), "exe_deleted", p->exe_deleted,
			"uid",
			p->uid == UINT32_MAX ? json_null()
					     : json_integer(p->uid),
			"user", cli_json_string(p->user), "fd", fd, "cgroup",
			cli_json_string(p->cgroup), "unit",
			cli_json_string(p->unit), "container",
			cli_json_string(p->container));

		if (json_array_append_new(arr, o) < 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

/* ---- sorting ---------------------------------------------------------------
 */

static const struct portier_local *sort_l;

static int by_socket(const void *a, const void *b)
{
	const struct portier_sock *x = &sort_l->socks[*(const uint32_t *)a];
	const struct portier_sock *y = &sort_l->socks[*(const uint32_t *)b];
	int c;

	if (x->netns != y->netns)
		return x->netns < y->netns ? -1 : 1;
	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	if (portier_sock_listening(x) != portier_sock_listening(y))
		return portier_sock_listening(x) ? -1 : 1;
	if (x->family == AF_UNIX && y->family == AF_UNIX)
		return strcmp(x->path ? x->path : "", y->path ? y->path : "");
	if (x->lport != y->lport)
		return x->lport < y->lport ? -1 : 1;
	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	c = memcmp(x->laddr, y->laddr, 16);
	if (c)
		return c;
	c = memcmp(x->raddr, y->raddr, 16);
	if (c)
		return c;
	return (int)x->rport - (int)y->rport;
}

void local_out_sort(const struct portier_local *l, uint32_t *idx, size_t n)
{
	sort_l = l;
	qsort(idx, n, sizeof(*idx), by_socket);
	sort_l = NULL;
}

/* ---- the table
 * ---------------------------------------------------------------- */

enum col {
	C_NETNS,
	C_PROTO,
	C_RECVQ,
	C_SENDQ,
	C_LOCAL,
	C_PEER,
	C_STATE,
	C_SERVICE,
	C_CLASS,
	C_USER,
	C_PID,
	C_PROCESS,
	C_EXE,
	C_UNIT,
	N_COLS
};

static const char *const headers[N_COLS] = {
	"NETNS",   "PROTO", "RECV-Q", "SEND-Q", "LOCAL",   "PEER", "STATE",
	"SERVICE", "CLASS", "USER",   "PID",	"PROCESS", "EXE",  "UNIT"};

struct user_names {
	uint32_t uid[32];
	char name[32][33];
	size_t n;
};

static const char *uid_name(struct user_names *u, uint32_t uid)
{
	struct passwd pw, *res = NULL;
	char buf[1024];
	size_t i, k;

	for (i = 0; i < u->n; i++)
		if (u->uid[i] == uid)
			return u->name[i];
	k = u->n < 32 ? u->n++ : 31;
	u->uid[k] = uid;
	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) == 0 && res)
		portier_strlcpy(u->name[k], res->pw_name, sizeof(u->name[k]));
	else
		snprintf(u->name[k], sizeof(u->name[k]), "%u", uid);
	return u->name[k];
}

struct row {
	char cell[N_COLS][300];
	const char *ptr[N_COLS];
	char safe[N_COLS][1200]; /* ptr[] with control characters escaped */
};

/*
 * src as it is when portier_text_clean would copy it unchanged (printable
 * ASCII that fits), else cleaned into dst: most cells are addresses,
 * numbers and plain names, and the table builds each row twice.
 */
static const char *cell_safe(char *dst, size_t cap, const char *src)
{
	const unsigned char *p = (const unsigned char *)src;

	while (*p >= 0x20 && *p < 0x7f)
		p++;
	if (*p == '\0' && (size_t)(p - (const unsigned char *)src) < cap)
		return src;
	return local_out_safe(dst, cap, src);
}

/* The cells of s that show[] asks for (the others are left empty). */
static void make_row(const struct local_view *v, const bool *show,
		     const struct portier_sock *s, struct row *r,
		     struct user_names *un)
{
	const struct portier_proc *p = portier_local_owner(v->l, s, 0, NULL);
	const char *svc;
	uint16_t port = 0;
	int c;

	for (c = 0; c < N_COLS; c++) {
		r->cell[c][0] = '\0';
		r->ptr[c] = r->cell[c];
	}
	r->ptr[C_NETNS] =
		v->l->netns[s->netns][0] ? v->l->netns[s->netns] : "-";
	if (s->family == AF_UNIX)
		snprintf(r->cell[C_PROTO], 16, "unix/%s",
			 s->type == SOCK_STREAM	     ? "str"
			 : s->type == SOCK_DGRAM     ? "dgr"
			 : s->type == SOCK_SEQPACKET ? "seq"
						     : "?");
	else {
		const char *name = portier_local_proto_name(s->proto);
		size_t n = strlen(name); /* at most "unix" */

		memcpy(r->cell[C_PROTO], name, n);
		memcpy(r->cell[C_PROTO] + n, s->family == AF_INET6 ? "6" : "",
		       s->family == AF_INET6 ? 2 : 1);
	}
	put_uint(r->cell[C_RECVQ], s->rqueue);
	put_uint(r->cell[C_SENDQ], s->wqueue);
	local_out_endpoint(s, false, r->cell[C_LOCAL], sizeof(r->cell[0]));
	local_out_endpoint(s, true, r->cell[C_PEER], sizeof(r->cell[0]));
	r->ptr[C_STATE] = portier_sock_state_name(s);
	svc = v->services ? local_out_service(v, s, &port) : NULL;
	r->ptr[C_SERVICE] = svc ? svc : "-";
	/* the class of the port that names the service (set just above) */
	r->ptr[C_CLASS] =
		port ? portier_port_class_name(portier_port_class(port)) : "-";
	if (show[C_USER])
		r->ptr[C_USER] = uid_name(un, s->uid);
	if (show[C_PID] && p)
		snprintf(r->cell[C_PID], 16, "%d", p->pid);
	else if (show[C_PID])
		r->ptr[C_PID] = "-";
	if (show[C_PROCESS])
		local_out_owners(v->l, s, r->cell[C_PROCESS],
				 sizeof(r->cell[0]));
	if (!p)
		r->ptr[C_PROCESS] = "-";
	r->ptr[C_EXE] = p && p->exe ? p->exe : "-";
	if (show[C_EXE] && p && p->exe_deleted) {
		snprintf(r->cell[C_EXE], sizeof(r->cell[0]), "%s (deleted)",
			 p->exe);
		r->ptr[C_EXE] = r->cell[C_EXE];
	}
	r->ptr[C_UNIT] = p && p->container ? p->container
			 : p && p->unit	   ? p->unit
					   : "-";
	/* names and paths are anyone's to choose: no raw escape sequences */
	for (c = 0; c < N_COLS; c++)
		if (show[c])
			r->ptr[c] = cell_safe(r->safe[c], sizeof(r->safe[c]),
					      r->ptr[c]);
}

/* text, then spaces up to width (right-aligned: first), then sep */
static void put_cell(FILE *f, const char *text, int width, bool right, char sep)
{
	static const char spaces[] = "                                ";
	size_t len = strlen(text);
	int pad = width > (int)len ? width - (int)len : 0;

	if (!right)
		fwrite(text, 1, len, f);
	while (pad > 0) {
		int k = pad < (int)sizeof(spaces) - 1 ? pad
						      : (int)sizeof(spaces) - 1;

		fwrite(spaces, 1, (size_t)k, f);
		pad -= k;
	}
	if (right)
		fwrite(text, 1, len, f);
	putc(sep, f);
}

void local_out_table(const struct local_view *v, const uint32_t *idx, size_t n,
		     FILE *f)
{
	bool show[N_COLS] = {false};
	int width[N_COLS], c, last = 0;
	struct user_names un = {.n = 0};
	struct row *r = malloc(sizeof(*r));
	size_t i;

	if (!r)
		return;
	show[C_NETNS] = v->netns;
	show[C_PROTO] = show[C_RECVQ] = show[C_SENDQ] = true;
	show[C_LOCAL] = show[C_PEER] = show[C_STATE] = true;
	show[C_SERVICE] = v->services;
	show[C_CLASS] = v->services && v->verbose;
	show[C_USER] = v->processes;
	show[C_PID] = v->pid_column && !v->processes;
	show[C_PROCESS] = v->processes;
	show[C_EXE] = show[C_UNIT] = v->verbose;
	for (c = 0; c < N_COLS; c++) {
		width[c] = (int)strlen(headers[c]);
		if (show[c])
			last = c;
	}
	for (i = 0; i < n; i++) {
		make_row(v, show, &v->l->socks[idx[i]], r, &un);
		for (c = 0; c < N_COLS; c++) {
			int w = show[c] ? (int)strlen(r->ptr[c]) : 0;

			if (w > width[c])
				width[c] = w;
		}
	}
	for (c = 0; c < N_COLS; c++)
		if (show[c])
			put_cell(f, headers[c], c == last ? 0 : width[c],
				 c == C_RECVQ || c == C_SENDQ,
				 c == last ? '\n' : ' ');
	for (i = 0; i < n; i++) {
		make_row(v, show, &v->l->socks[idx[i]], r, &un);
		for (c = 0; c < N_COLS; c++)
			if (show[c])
				put_cell(f, r->ptr[c], c == last ? 0 : width[c],
					 c == C_RECVQ || c == C_SENDQ,
					 c == last ? '\n' : ' ');
	}
	free(r);
}

/* ---- JSON Lines
 * ---------------------------------------------------------------- */

int local_out_json(const struct local_view *v, const uint32_t *idx, size_t n,
		   FILE *f)
{
	struct user_names un = {.n = 0};
	size_t i;

	for (i = 0; i < n; i++) {
		const struct portier_sock *s = &v->l->socks[idx[i]];
		char la[64], ra[64];
		uint16_t sport = 0;
		const char *svc = local_out_service(v, s, &sport);
		const struct portier_portmap *m = s->proto == PORTIER_LOCAL_TCP
							  ? &v->listen_tcp
							  : &v->listen_udp;
		const char *dir = portier_sock_listening(s)	 ? "listen"
				  : portier_local_outbound(s, m) ? "out"
								 : "in";
		json_t *o;

		portier_sock_addr(s, false, la, sizeof(la));
		portier_sock_addr(s, true, ra, sizeof(ra));
		if (s->family == AF_UNIX) {
			o = json_pack("{s:s, s:o, s:s, s:s, s:s, s:o}", "type",
				      "socket", "netns",
				      cli_json_string(v->l->netns[s->netns]),
				      "proto", "unix", "socket_type",
				      s->type == SOCK_STREAM	  ? "stream"
				      : s->type == SOCK_DGRAM	  ? "dgram"
				      : s->type == SOCK_SEQPACKET ? "seqpacket"
								  : "other",
				      "state", portier_sock_state_name(s),
				      "path", cli_json_string(s->path));
		} else {
			o = json_pack(
				"{s:s, s:o, s:s, s:s, s:s, s:s, s:i, s:s, s:i,"
				" s:s}",
				"type", "socket", "netns",
				cli_json_string(v->l->netns[s->netns]), "proto",
				portier_local_proto_name(s->proto), "family",
				s->family == AF_INET6 ? "ipv6" : "ipv4",
				"state", portier_sock_state_name(s),
				"local_addr", la, "local_port", s->lport,
				"remote_addr", ra, "remote_port", s->rport,
				"direction", dir);
			if (o && s->proto == PORTIER_LOCAL_RAW) {
				json_object_set_new(o, "service", json_null());
				json_object_set_new(o, "service_port",
						    json_null());
				json_object_set_new(o, "class", json_null());
			} else if (o) {
				json_object_set_new(o, "service",
						    cli_json_string(svc));
				json_object_set_new(o, "service_port",
						    json_integer(sport));
				json_object_set_new(
					o, "class",
					json_string(portier_port_class_name(
						portier_port_class(sport))));
			}
		}
		/* a socket left out would be a lie by omission: stop instead */
		if (!o ||
		    json_object_set_new(o, "recv_q", json_integer(s->rqueue)) ||
		    json_object_set_new(o, "send_q", json_integer(s->wqueue)) ||
		    json_object_set_new(o, "uid", json_integer(s->uid)) ||
		    json_object_set_new(
			    o, "user",
			    cli_json_string(uid_name(&un, s->uid))) ||
		    json_object_set_new(o, "inode",
					json_integer((json_int_t)s->inode)) ||
		    json_object_set_new(o, "processes",
					local_out_procs_json(v->l, s))) {
			json_decref(o);
			return PORTIER_ENOMEM;
		}
		if (cli_json_line(f, o) < 0)
			return PORTIER_ENOMEM;
	}
	return 0;
}
