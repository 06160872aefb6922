/*
 * procs.c - which processes own which sockets, from <proc>/[pid]/fd.
 *
 * The one idea: look up, do not search.  The socket inodes of the snapshot
 * go into an open-addressing hash table a quarter larger than their number, so
 * each of the (possibly hundreds of thousands of) fd links read costs one
 * readlinkat and one probe, however many sockets there are.  A process's
 * details (comm, exe, user, cgroup) are read when its first socket is
 * found, so once per process and only for processes that matter.  Owners
 * are gathered per process and then placed per socket with a counting
 * sort, so each socket gets a contiguous range, in pid order.
 */
#include <dirent.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "local/local_int.h"

/* getdents64 chunks: /proc lists a few hundred names in each */
#define FD_BUF	 32768
#define ROOT_BUF 32768

/* ---- inode -> socket index --------------------------------------------- */

/*
 * Slots hold a socket's index plus one (0 = empty); the key is that
 * socket's inode, read from the snapshot itself, so the index costs four
 * bytes a slot and no copy of the keys.
 */
struct inode_index {
	const struct portier_sock *socks;
	uint32_t *slots;
	size_t mask;
};

static size_t hash_u64(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return (size_t)k;
}

static int index_build(struct inode_index *ix, const struct portier_local *l)
{
	/*
	 * at most four fifths full (linear probing still finds a key in a few
	 * probes), and half the memory of a table kept half empty; the
	 * largest table still fits the index type
	 */
	size_t cap = portier_pow2_size(l->n_socks + l->n_socks / 4, 64,
				       (size_t)1 << 33),
	       i;

	if (l->n_socks >= UINT32_MAX)
		return PORTIER_ENOMEM;
	ix->socks = l->socks;
	ix->slots = portier_calloc(cap, sizeof(*ix->slots));
	if (!ix->slots)
		return PORTIER_ENOMEM;
	ix->mask = cap - 1;
	for (i = 0; i < l->n_socks; i++) {
		uint64_t k = l->socks[i].inode;
		size_t h;

		if (!k)
			continue;
		/* the same inode twice: the later socket takes the slot */
		for (h = hash_u64(k) & ix->mask;
		     ix->slots[h] && ix->socks[ix->slots[h] - 1].inode != k;
		     h = (h + 1) & ix->mask)
			;
		ix->slots[h] = (uint32_t)i + 1;
	}
	return 0;
}

static long index_find(const struct inode_index *ix, uint64_t k)
{
	size_t h;

	for (h = hash_u64(k) & ix->mask; ix->slots[h]; h = (h + 1) & ix->mask)
		if (ix->socks[ix->slots[h] - 1].inode == k)
			return (long)ix->slots[h] - 1;
	return -1;
}

/* ---- process details ------------------------------------------------------
 */

static bool ends_with(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);

	return len >= n && memcmp(s + len - n, suffix, n) == 0;
}

/* The container a cgroup component names, as "kind:id12", or NULL. */
static const char *container_of(const char *comp, size_t len,
				const char *parent, struct local_arena *a)
{
	static const struct {
		const char *prefix, *kind;
	} scopes[] = {{"docker-", "docker"},
		      {"libpod-", "podman"},
		      {"cri-containerd-", "containerd"},
		      {"crio-", "cri-o"}};
	char buf[96];
	size_t i;

	for (i = 0; i < sizeof(scopes) / sizeof(scopes[0]); i++) {
		size_t pl = strlen(scopes[i].prefix);

		if (len > pl + 12 && strncmp(comp, scopes[i].prefix, pl) == 0) {
			snprintf(buf, sizeof(buf), "%s:%.12s", scopes[i].kind,
				 comp + pl);
			return local_arena_strndup(a, buf, strlen(buf));
		}
	}
	if (parent &&
	    (strcmp(parent, "docker") == 0 || strcmp(parent, "lxc") == 0)) {
		snprintf(buf, sizeof(buf), "%s:%.*s", parent,
			 (int)(len > 12 && strcmp(parent, "docker") == 0 ? 12
									 : len),
			 comp);
		return local_arena_strndup(a, buf, strlen(buf));
	}
	if (len > 12 && strncmp(comp, "lxc.payload.", 12) == 0) {
		snprintf(buf, sizeof(buf), "lxc:%.*s", (int)(len - 12),
			 comp + 12);
		return local_arena_strndup(a, buf, strlen(buf));
	}
	return NULL;
}

void local_cgroup_parse(const char *text, size_t len, struct local_arena *a,
			const char **cgroup, const char **unit,
			const char **container)
{
	const char *end = text + len, *line, *best = NULL;
	size_t best_len = 0;
	char parent[64] = "";

	*cgroup = *unit = *container = NULL;
	for (line = text; line < end;) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		const char *le = nl ? nl : end;
		const char *c1 = memchr(line, ':', (size_t)(le - line));
		const char *c2 =
			c1 ? memchr(c1 + 1, ':', (size_t)(le - c1 - 1)) : NULL;

		if (c2) {
			bool v2 = c1 == line + 1 && line[0] == '0' &&
				  c2 == c1 + 1;
			bool sd = (size_t)(c2 - c1 - 1) == 12 &&
				  memcmp(c1 + 1, "name=systemd", 12) == 0;

			if (v2 || (sd && !best)) {
				best = c2 + 1;
				best_len = (size_t)(le - best);
			}
		}
		line = nl ? nl + 1 : end;
	}
	if (!best || best_len == 0 || (best_len == 1 && best[0] == '/'))
		return;
	*cgroup = local_arena_strndup(a, best, best_len);
	/* walk the components: the innermost unit and container win */
	for (line = best; line < best + best_len;) {
		const char *slash =
			memchr(line, '/', (size_t)(best + best_len - line));
		const char *ce = slash ? slash : best + best_len;
		size_t cl = (size_t)(ce - line);
		const char *ct;

		if (cl) {
			if (ends_with(line, cl, ".service") ||
			    ends_with(line, cl, ".scope") ||
			    ends_with(line, cl, ".socket"))
				*unit = local_arena_strndup(a, line, cl);
			ct = container_of(line, cl, parent[0] ? parent : NULL,
					  a);
			if (ct)
				*container = ct;
			snprintf(parent, sizeof(parent), "%.*s",
				 (int)(cl < 63 ? cl : 63), line);
		}
		line = slash ? slash + 1 : ce;
	}
}

struct user_cache {
	uint32_t uid;
	const char *name;
};

struct scan {
	struct portier_local *l;
	struct local_arena *a;
	int rootfd;
	struct inode_index ix;
	struct user_cache users[64];
	size_t n_users;
	/*
	 * owners in walk order: (socket, fd).  A process's are contiguous and
	 * processes are numbered as they are met, so process k's run starts
	 * at found[proc_first[k]]: 8 bytes an owner, not 12.
	 */
	struct {
		uint32_t sock; /* UINT32_MAX: dropped (too many owners) */
		int fd;
	} * found;
	size_t n_found, cap_found;
	size_t *proc_first;
	size_t cap_procs, cap_first;
	char *fdbuf; /* getdents64 of one process's fd directory */
};

static const char *user_name(struct scan *sc, uint32_t uid)
{
	struct passwd pw, *res = NULL;
	char buf[1024], num[16];
	const char *name;
	size_t i;

	for (i = 0; i < sc->n_users; i++)
		if (sc->users[i].uid == uid)
			return sc->users[i].name;
	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) == 0 && res)
		name = local_arena_strndup(sc->a, res->pw_name,
					   strlen(res->pw_name));
	else {
		snprintf(num, sizeof(num), "%u", uid);
		name = local_arena_strndup(sc->a, num, strlen(num));
	}
	if (name && sc->n_users < sizeof(sc->users) / sizeof(sc->users[0])) {
		sc->users[sc->n_users].uid = uid;
		sc->users[sc->n_users++].name = name;
	}
	return name;
}

static int proc_details(struct scan *sc, const char *pid_s, int pid)
{
	struct portier_proc *p;
	char path[64], buf[4096];
	ssize_t n;
	const char *uidl;

	if (portier_grow(&sc->l->procs, &sc->cap_procs, sc->l->n_procs + 1,
			 sizeof(*sc->l->procs), 64) < 0 ||
	    portier_grow(&sc->proc_first, &sc->cap_first, sc->l->n_procs + 1,
			 sizeof(*sc->proc_first), 64) < 0)
		return PORTIER_ENOMEM;
	sc->proc_first[sc->l->n_procs] = sc->n_found;
	p = &sc->l->procs[sc->l->n_procs];
	memset(p, 0, sizeof(*p));
	p->pid = pid;

	snprintf(path, sizeof(path), "%.32s/comm", pid_s);
	n = local_read_small(sc->rootfd, path, p->comm, sizeof(p->comm));
	if (n > 0 && p->comm[n - 1] == '\n')
		p->comm[n - 1] = '\0';

	snprintf(path, sizeof(path), "%.32s/exe", pid_s);
	n = readlinkat(sc->rootfd, path, buf, sizeof(buf) - 1);
	if (n > 0) {
		size_t len = (size_t)n;

		buf[len] = '\0';
		if (ends_with(buf, len, " (deleted)")) {
			p->exe_deleted = true;
			len -= strlen(" (deleted)");
		}
		p->exe = local_arena_strndup(sc->a, buf, len);
	}

	snprintf(path, sizeof(path), "%.32s/status", pid_s);
	p->uid = UINT32_MAX;
	if (local_read_small(sc->rootfd, path, buf, sizeof(buf)) > 0 &&
	    (uidl = portier_text_line(buf, "Uid:")) != NULL) {
		unsigned long u = strtoul(uidl, NULL, 10);

		p->uid = (uint32_t)u;
		p->user = user_name(sc, p->uid);
	}

	snprintf(path, sizeof(path), "%.32s/cgroup", pid_s);
	n = local_read_small(sc->rootfd, path, buf, sizeof(buf));
	if (n > 0)
		local_cgroup_parse(buf, (size_t)n, sc->a, &p->cgroup, &p->unit,
				   &p->container);
	sc->l->n_procs++;
	return 0;
}

static int add_found(struct scan *sc, uint32_t sock, int fd)
{
	if (portier_grow(&sc->found, &sc->cap_found, sc->n_found + 1,
			 sizeof(*sc->found), 256) < 0)
		return PORTIER_ENOMEM;
	sc->found[sc->n_found].sock = sock;
	sc->found[sc->n_found].fd = fd;
	sc->n_found++;
	return 0;
}

/* Parse "socket:[12345]" into the inode; 0 if the link is something else. */
static uint64_t socket_inode(const char *link, size_t len)
{
	uint64_t v = 0;
	size_t i;

	if (len < 10 || memcmp(link, "socket:[", 8) != 0 ||
	    link[len - 1] != ']')
		return 0;
	for (i = 8; i < len - 1; i++) {
		if (link[i] < '0' || link[i] > '9')
			return 0;
		v = v * 10 + (uint64_t)(link[i] - '0');
	}
	return v;
}

/*
 * The next entry of a getdents64 chunk *pos..len of buf, or NULL at its
 * end.  The kernel writes whole records, each at least a header long.
 */
static const struct dirent64 *next_entry(const char *buf, size_t len,
					 size_t *pos)
{
	const struct dirent64 *de;

	if (*pos >= len)
		return NULL;
	de = (const struct dirent64 *)(const void *)(buf + *pos);
	if (de->d_reclen == 0 || de->d_reclen > len - *pos)
		return NULL;
	*pos += de->d_reclen;
	return de;
}

/* A decimal name up to INT32_MAX, as /proc names pids and fds; -1 for
 * anything else (".", "..", "self"). */
static int name_number(const char *name)
{
	int64_t v = 0;
	int i;

	for (i = 0; name[i]; i++) {
		if (i == 10 || name[i] < '0' || name[i] > '9')
			return -1;
		v = v * 10 + (name[i] - '0');
	}
	return i && v <= INT32_MAX ? (int)v : -1;
}

/*
 * One process: each fd link is read once (readlink never touches the file
 * behind it, so a hung mount cannot stall the walk) and looked up in the
 * index; only a process with a reported socket costs more than that.
 */
static int scan_process(struct scan *sc, const char *pid_s, int pid)
{
	char path[64], link[64];
	int dfd, rc = 0;
	bool have_proc = false;

	snprintf(path, sizeof(path), "%.32s/fd", pid_s);
	dfd = openat(sc->rootfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		if (errno == EACCES || errno == EPERM)
			sc->l->procs_denied++;
		return 0; /* gone, or not ours to read */
	}
	for (;;) {
		ssize_t got = getdents64(dfd, sc->fdbuf, FD_BUF);
		const struct dirent64 *de;
		size_t pos = 0;

		if (got <= 0)
			break; /* the end, or the process went away */
		while (rc == 0 &&
		       (de = next_entry(sc->fdbuf, (size_t)got, &pos))) {
			ssize_t n;
			uint64_t ino;
			long si;
			int fd = name_number(de->d_name);

			if (fd < 0)
				continue;
			n = readlinkat(dfd, de->d_name, link, sizeof(link));
			if (n <= 0 || (size_t)n >= sizeof(link))
				continue;
			ino = socket_inode(link, (size_t)n);
			if (!ino || (si = index_find(&sc->ix, ino)) < 0)
				continue;
			if (!have_proc) {
				rc = proc_details(sc, pid_s, pid);
				if (rc < 0)
					break;
				have_proc = true;
			}
			rc = add_found(sc, (uint32_t)si, fd);
		}
		if (rc < 0)
			break;
	}
	close(dfd);
	return rc;
}

/*
 * Place the owners found per process into per-socket ranges: count them
 * in each socket's owner_count, turn the counts into starts, then use
 * owner_count again as the cursor while placing.
 */
static int place_owners(struct scan *sc)
{
	struct portier_local *l = sc->l;
	size_t i, kept = 0;
	uint32_t proc, at;

	for (i = 0; i < sc->n_found; i++) {
		struct portier_sock *s = &l->socks[sc->found[i].sock];

		if (s->owner_count < PORTIER_SOCK_OWNERS_MAX) {
			s->owner_count++;
			kept++;
		} else {
			sc->found[i].sock = UINT32_MAX;
		}
	}
	l->owners = portier_malloc((kept ? kept : 1) * sizeof(*l->owners));
	if (!l->owners)
		return PORTIER_ENOMEM;
	for (i = 0, at = 0; i < l->n_socks; i++) {
		l->socks[i].owner_first = at;
		at += l->socks[i].owner_count;
		l->socks[i].owner_count = 0;
	}
	for (proc = 0, i = 0; i < sc->n_found; i++) {
		struct portier_sock *s;
		struct portier_owner *o;

		while (proc + 1 < l->n_procs && sc->proc_first[proc + 1] <= i)
			proc++;
		if (sc->found[i].sock == UINT32_MAX)
			continue;
		s = &l->socks[sc->found[i].sock];
		o = &l->owners[s->owner_first + s->owner_count++];
		o->proc = proc;
		o->fd = sc->found[i].fd;
	}
	l->n_owners = kept;
	/* /proc lists pids in order, but a test tree need not: sort shared
	 * sockets' owners by pid (insertion sort: ranges are tiny) */
	for (i = 0; i < l->n_socks; i++) {
		struct portier_owner *o = &l->owners[l->socks[i].owner_first];
		uint32_t k, m;

		for (k = 1; k < l->socks[i].owner_count; k++) {
			struct portier_owner t = o[k];

			for (m = k; m > 0 && l->procs[o[m - 1].proc].pid >
						     l->procs[t.proc].pid;
			     m--)
				o[m] = o[m - 1];
			o[m] = t;
		}
	}
	return 0;
}

int local_procs_scan(struct portier_local *l, const char *root,
		     struct local_arena *arena, struct portier_err *err)
{
	struct scan sc = {.l = l, .a = arena};
	char *rootbuf = NULL;
	int rc = 0;

	sc.rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sc.rootfd < 0)
		return portier_err_set(err, -errno, "cannot open '%s': %s",
				       root, strerror(errno));
	rc = index_build(&sc.ix, l);
	if (rc == 0) {
		/* one buffer for every process, not a DIR each */
		sc.fdbuf = portier_malloc(FD_BUF);
		rootbuf = portier_malloc(ROOT_BUF);
		if (!sc.fdbuf || !rootbuf)
			rc = PORTIER_ENOMEM;
	}
	while (rc == 0) {
		/* sc.rootfd's own offset walks the listing; openat ignores it */
		ssize_t got = getdents64(sc.rootfd, rootbuf, ROOT_BUF);
		const struct dirent64 *de;
		size_t pos = 0;

		if (got < 0)
			rc = portier_err_set(err, PORTIER_EIO,
					     "cannot list '%s': %s", root,
					     strerror(errno));
		if (got <= 0)
			break;
		while (rc == 0 &&
		       (de = next_entry(rootbuf, (size_t)got, &pos))) {
			int pid = name_number(de->d_name);

			if (pid > 0)
				rc = scan_process(&sc, de->d_name, pid);
		}
	}
	portier_free(rootbuf);
	portier_free(sc.fdbuf);
	/* the index is not needed to place the owners: give it back first */
	portier_free(sc.ix.slots);
	if (rc == 0)
		rc = place_owners(&sc);
	if (rc == PORTIER_ENOMEM)
		portier_err_set(err, rc,
				"out of memory mapping %zu sockets "
				"to processes",
				l->n_socks);
	l->procs_scanned = rc == 0;
	portier_free(sc.found);
	portier_free(sc.proc_first);
	close(sc.rootfd);
	return rc;
}
