/*
 * util.c - small helpers of the local module: a string arena (thousands of
 * short strings such as paths and user names, freed together with the
 * snapshot), file reading relative to a directory descriptor, and the
 * names and predicates of sockets (state names as ss spells them, address
 * text, "is this a listener", "is this loopback").
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "local/local_int.h"

#define ARENA_BLOCK 16384

struct arena_block {
	struct arena_block *next;
	size_t used, cap;
	char data[];
};

struct local_arena {
	struct arena_block *head;
};

struct local_arena *local_arena_new(void)
{
	return portier_calloc(1, sizeof(struct local_arena));
}

void local_arena_free(struct local_arena *a)
{
	struct arena_block *b, *next;

	if (!a)
		return;
	for (b = a->head; b; b = next) {
		next = b->next;
		portier_free(b);
	}
	portier_free(a);
}

char *local_arena_strndup(struct local_arena *a, const char *s, size_t n)
{
	struct arena_block *b = a->head;
	char *p;

	if (!b || b->cap - b->used < n + 1) {
		size_t cap = n + 1 > ARENA_BLOCK ? n + 1 : ARENA_BLOCK;

		b = portier_malloc(sizeof(*b) + cap);
		if (!b)
			return NULL;
		b->cap = cap;
		b->used = 0;
		b->next = a->head;
		a->head = b;
	}
	p = b->data + b->used;
	memcpy(p, s, n);
	p[n] = '\0';
	b->used += n + 1;
	return p;
}

ssize_t local_read_small(int dirfd, const char *path, char *buf, size_t cap)
{
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	size_t got = 0;

	if (fd < 0)
		return -errno;
	while (got + 1 < cap) {
		ssize_t r = read(fd, buf + got, cap - 1 - got);

		if (r < 0) {
			int e = errno;

			close(fd);
			return -e;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	buf[got] = '\0';
	return (ssize_t)got;
}

int local_read_file(const char *path, char **out, size_t *len,
		    struct portier_err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t cap = 8192, got = 0;
	char *buf;

	if (fd < 0)
		return portier_err_set(err, -errno, "cannot open '%s': %s",
				       path, strerror(errno));
	buf = portier_malloc(cap);
	for (;;) {
		ssize_t r;

		if (!buf) {
			close(fd);
			return portier_err_set(err, PORTIER_ENOMEM,
					       "out of memory reading '%s'",
					       path);
		}
		if (got + 1 >= cap) {
			char *nb = portier_realloc(buf, cap * 2);

			if (!nb)
				portier_free(buf);
			buf = nb;
			cap *= 2;
			continue;
		}
		r = read(fd, buf + got, cap - 1 - got);
		if (r < 0) {
			int e = errno;

			portier_free(buf);
			close(fd);
			return portier_err_set(err, -e, "cannot read '%s': %s",
					       path, strerror(e));
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	buf[got] = '\0';
	*out = buf;
	*len = got;
	return 0;
}

/* ---- names and predicates -------------------------------------------- */

static const char *const state_names[PORTIER_SS_MAX] = {
	"UNKNOWN",    "ESTAB",	    "SYN-SENT",	 "SYN-RECV",
	"FIN-WAIT-1", "FIN-WAIT-2", "TIME-WAIT", "UNCONN",
	"CLOSE-WAIT", "LAST-ACK",   "LISTEN",	 "CLOSING",
};

const char *portier_sock_state_name(const struct portier_sock *s)
{
	if (s->state >= PORTIER_SS_MAX)
		return "UNKNOWN";
	if (s->state == PORTIER_SS_CLOSE && s->proto == PORTIER_LOCAL_TCP)
		return "CLOSE";
	return state_names[s->state];
}

/* Compare ignoring case and treating '-' and '_' alike. */
static bool state_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char x = *a == '_' ? '-' : *a, y = *b == '_' ? '-' : *b;

		if ((x | 0x20) != (y | 0x20))
			return false;
	}
	return *a == *b;
}

int portier_sock_state_parse(const char *name, uint32_t *mask)
{
	static const struct {
		const char *name;
		uint32_t mask;
	} extra[] = {
		{"established", PORTIER_STATE_BIT(PORTIER_SS_ESTABLISHED)},
		{"fin-wait1", PORTIER_STATE_BIT(PORTIER_SS_FIN_WAIT1)},
		{"fin-wait2", PORTIER_STATE_BIT(PORTIER_SS_FIN_WAIT2)},
		{"close", PORTIER_STATE_BIT(PORTIER_SS_CLOSE)},
		{"listening", PORTIER_STATES_LISTENING},
		{"all", PORTIER_STATES_ALL},
		{"connected", PORTIER_STATES_ALL &
				      ~PORTIER_STATE_BIT(PORTIER_SS_LISTEN) &
				      ~PORTIER_STATE_BIT(PORTIER_SS_CLOSE)},
	};
	size_t i;

	for (i = 1; i < PORTIER_SS_MAX; i++) {
		if (state_eq(name, state_names[i])) {
			*mask = PORTIER_STATE_BIT(i);
			return 0;
		}
	}
	for (i = 0; i < sizeof(extra) / sizeof(extra[0]); i++) {
		if (state_eq(name, extra[i].name)) {
			*mask = extra[i].mask;
			return 0;
		}
	}
	return PORTIER_EINVAL;
}

const char *portier_local_proto_name(unsigned proto)
{
	switch (proto) {
	case PORTIER_LOCAL_TCP:
		return "tcp";
	case PORTIER_LOCAL_UDP:
		return "udp";
	case PORTIER_LOCAL_RAW:
		return "raw";
	case PORTIER_LOCAL_UNIX:
		return "unix";
	default:
		return "?";
	}
}

void portier_sock_addr(const struct portier_sock *s, bool remote, char *buf,
		       size_t len)
{
	const uint8_t *a = remote ? s->raddr : s->laddr;

	if (s->family == AF_UNIX) {
		portier_strlcpy(buf, remote || !s->path ? "*" : s->path, len);
		return;
	}
	if (s->family == AF_INET && len >= INET_ADDRSTRLEN) {
		/* inet_ntop's text, without the sprintf it costs per call */
		char *p = buf;
		int i;

		for (i = 0; i < 4; i++) {
			unsigned v = a[i];

			if (v >= 100)
				*p++ = (char)('0' + v / 100);
			if (v >= 10)
				*p++ = (char)('0' + v / 10 % 10);
			*p++ = (char)('0' + v % 10);
			*p++ = i < 3 ? '.' : '\0';
		}
		return;
	}
	if (!inet_ntop(s->family, a, buf, (socklen_t)len))
		portier_strlcpy(buf, "?", len);
}

static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

bool portier_sock_wildcard(const struct portier_sock *s)
{
	static const uint8_t zero[16];

	if (s->family == AF_INET)
		return memcmp(s->laddr, zero, 4) == 0;
	if (s->family == AF_INET6)
		return memcmp(s->laddr, zero, 16) == 0;
	return false;
}

bool portier_sock_loopback(const struct portier_sock *s)
{
	static const uint8_t lo6[16] = {0, 0, 0, 0, 0, 0, 0, 0,
					0, 0, 0, 0, 0, 0, 0, 1};

	if (s->family == AF_INET)
		return s->laddr[0] == 127;
	if (s->family == AF_INET6)
		return memcmp(s->laddr, lo6, 16) == 0 ||
		       (memcmp(s->laddr, v4mapped, 12) == 0 &&
			s->laddr[12] == 127);
	return s->family == AF_UNIX;
}

bool portier_sock_listening(const struct portier_sock *s)
{
	if (s->proto == PORTIER_LOCAL_TCP || s->proto == PORTIER_LOCAL_UNIX)
		return s->state == PORTIER_SS_LISTEN;
	return s->state == PORTIER_SS_CLOSE;
}

const struct portier_proc *portier_local_owner(const struct portier_local *l,
					       const struct portier_sock *s,
					       uint32_t i, int *fd)
{
	const struct portier_owner *o;

	if (i >= s->owner_count)
		return NULL;
	o = &l->owners[s->owner_first + i];
	if (fd)
		*fd = o->fd;
	return &l->procs[o->proc];
}

void portier_local_count_states(const struct portier_local *l,
				uint32_t counts[4][PORTIER_SS_MAX])
{
	size_t i;

	memset(counts, 0, sizeof(uint32_t) * 4 * PORTIER_SS_MAX);
	for (i = 0; i < l->n_socks; i++) {
		const struct portier_sock *s = &l->socks[i];
		int p = s->proto == PORTIER_LOCAL_TCP	? 0
			: s->proto == PORTIER_LOCAL_UDP ? 1
			: s->proto == PORTIER_LOCAL_RAW ? 2
							: 3;

		if (s->state < PORTIER_SS_MAX)
			counts[p][s->state]++;
	}
}

void portier_local_listen_ports(const struct portier_local *l, unsigned proto,
				struct portier_portmap *m)
{
	size_t i;

	memset(m, 0, sizeof(*m));
	for (i = 0; i < l->n_socks; i++) {
		const struct portier_sock *s = &l->socks[i];

		if (s->proto == proto && portier_sock_listening(s) &&
		    s->family != AF_UNIX)
			m->bits[s->lport >> 6] |= 1ULL << (s->lport & 63);
	}
}

bool portier_local_outbound(const struct portier_sock *s,
			    const struct portier_portmap *listen)
{
	if (s->family == AF_UNIX || portier_sock_listening(s) ||
	    s->proto == PORTIER_LOCAL_RAW)
		return false;
	return !portier_portmap_has(listen, s->lport);
}
