/*
 * ssh.c - where the firewall meets the socket table (local.h): the
 * connections allow-only keeps alive, and which port the SSH session this
 * command runs in came through, so that allow-only keeps it open and close
 * refuses to cut it.
 *
 * The session has two sources.  $SSH_CONNECTION, set by sshd for the
 * session, names the server port directly.  When it is gone (sudo resets
 * the environment), the socket table answers: walk up from our process
 * through its parents to the sshd process serving the session and take the
 * established TCP connection that process owns; its local port is the one
 * to keep.  The table is the caller's network namespace, so inside a
 * namespace with no SSH session nothing is found.
 *
 * Neither source works everywhere: sudo's env_reset removes
 * $SSH_CONNECTION, and inside tmux or screen the walk up the parents ends
 * at the multiplexer's server, which no sshd started.  So when no session
 * is found, the listeners speak instead: a change that would drop new
 * connections to a port an sshd process listens on is refused
 * (portier_fw_guard_sshd) - the admin may well be logged in through it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fw/fw_int.h"
#include "portier/local.h"

static int add_conn(struct portier_fw_conn **out, size_t *n, size_t *cap,
		    const struct portier_local_tuple *t)
{
	struct portier_fw_conn *c;

	if (portier_grow(out, cap, *n + 1, sizeof(**out), 64) < 0)
		return PORTIER_ENOMEM;
	c = &(*out)[(*n)++];
	memset(c, 0, sizeof(*c));
	c->peer = t->remote; /* the table gives v4-mapped peers as IPv4 */
	c->rport = t->rport;
	c->lport = t->lport;
	return 0;
}

int portier_fw_conns_read(const char *proc_root, struct portier_fw_conn **out,
			  size_t *n, struct portier_err *err)
{
	struct portier_local_table_query q = {
		.protos = PORTIER_PROTO_TCP,
		.states = PORTIER_STATE_BIT(PORTIER_SS_ESTABLISHED),
		.proc_root = proc_root && *proc_root ? proc_root : NULL,
	};
	struct portier_local_table *t;
	struct portier_local_entry e;
	size_t cap = 0, pos = 0;
	int rc;

	*out = NULL;
	*n = 0;
	rc = portier_local_table_open(&q, &t, err);
	while (rc == 0 && portier_local_table_each(t, &pos, &e))
		if (!portier_addr_is_loopback(&e.tuple.remote))
			rc = add_conn(out, n, &cap, &e.tuple);
	portier_local_table_close(t);
	if (rc < 0) {
		portier_free(*out);
		*out = NULL;
		*n = 0;
		if (rc == PORTIER_ENOMEM)
			portier_err_set(err, rc, "out of memory");
	}
	return rc;
}

int portier_fw_ssh_from_env(const char *value, struct portier_fw_conn *sess)
{
	char buf[256], *f[5], *save = NULL, *tok;
	unsigned long cport, sport;
	struct portier_addr client;
	int nf = 0;

	memset(sess, 0, sizeof(*sess));
	if (!value || !*value)
		return PORTIER_ENOENT;
	if (portier_strlcpy(buf, value, sizeof(buf)) >= sizeof(buf))
		return PORTIER_EINVAL;
	for (tok = strtok_r(buf, " \t", &save); tok && nf < 5;
	     tok = strtok_r(NULL, " \t", &save))
		f[nf++] = tok;
	if (nf != 4 || portier_addr_parse(f[0], &client) < 0 ||
	    portier_parse_ulong(f[1], 1, 65535, &cport) < 0 ||
	    portier_parse_ulong(f[3], 1, 65535, &sport) < 0) {
		memset(sess, 0, sizeof(*sess));
		return PORTIER_EINVAL;
	}
	/* an IPv4 client seen through a dual-stack socket is an IPv4 one */
	portier_addr_unmap(&client, &sess->peer);
	sess->rport = (uint16_t)cport;
	sess->lport = (uint16_t)sport;
	return 0;
}

/* comm and parent of pid from <root>/<pid>/stat; 0 or -1. */
static int read_stat(const char *root, pid_t pid, char *comm, size_t len,
		     pid_t *ppid)
{
	char path[4200], line[1024], *open_p, *close_p;
	FILE *f;
	long pp;
	size_t n;

	snprintf(path, sizeof(path), "%s/%ld/stat", root, (long)pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	n = fread(line, 1, sizeof(line) - 1, f);
	fclose(f);
	line[n] = '\0';
	/* "PID (COMM) STATE PPID ...": COMM may hold spaces and parens */
	open_p = strchr(line, '(');
	close_p = strrchr(line, ')');
	if (!open_p || !close_p || close_p < open_p)
		return -1;
	n = (size_t)(close_p - open_p - 1);
	if (n >= len)
		n = len - 1;
	memcpy(comm, open_p + 1, n);
	comm[n] = '\0';
	if (sscanf(close_p + 1, " %*c %ld", &pp) != 1)
		return -1;
	*ppid = (pid_t)pp;
	return 0;
}

static bool is_sshd(const char *comm)
{
	/* OpenSSH 9.8 runs sessions as sshd-session */
	return strcmp(comm, "sshd") == 0 || strcmp(comm, "sshd-session") == 0;
}

/* Does pid own the socket of e? */
static bool owned_by(const struct portier_local_table *t,
		     const struct portier_local_entry *e, pid_t pid)
{
	uint32_t i;

	for (i = 0; i < e->owner_count; i++) {
		const struct portier_proc *p =
			portier_local_table_owner(t, e, i, NULL);

		if (p && p->pid == pid)
			return true;
	}
	return false;
}

int portier_fw_ssh_from_proc(const char *proc_root, pid_t pid,
			     struct portier_fw_conn *sess,
			     struct portier_err *err)
{
	struct portier_local_table_query q = {
		.protos = PORTIER_PROTO_TCP,
		.states = PORTIER_STATE_BIT(PORTIER_SS_ESTABLISHED),
		.owners = true,
	};
	struct portier_local_table *t = NULL;
	struct portier_local_entry e;
	pid_t sshd[64];
	size_t n_sshd = 0, i, pos;
	char comm[64];
	int depth;

	if (!proc_root || !*proc_root)
		proc_root = "/proc";
	q.proc_root = proc_root;
	/* the sshd processes above pid, nearest first */
	for (depth = 0; depth < 64 && pid > 1; depth++) {
		pid_t ppid;

		if (read_stat(proc_root, pid, comm, sizeof(comm), &ppid) < 0)
			break;
		if (is_sshd(comm))
			sshd[n_sshd++] = pid;
		pid = ppid;
	}
	if (n_sshd && portier_local_table_open(&q, &t, NULL) == 0) {
		for (i = 0; i < n_sshd; i++) {
			for (pos = 0; portier_local_table_each(t, &pos, &e);) {
				if (!owned_by(t, &e, sshd[i]))
					continue;
				memset(sess, 0, sizeof(*sess));
				sess->peer = e.tuple.remote;
				sess->rport = e.tuple.rport;
				sess->lport = e.tuple.lport;
				portier_local_table_close(t);
				return 0;
			}
		}
		portier_local_table_close(t);
	}
	portier_err_set(err, PORTIER_ENOENT, "not inside an SSH session");
	return PORTIER_ENOENT;
}

/* Does p drop new TCP connections to port from anywhere? */
static bool drops_tcp(const struct portier_fw_policy *p, uint16_t port)
{
	if (portier_fw_portset_has(&p->close[PORTIER_FW_TCP], port))
		return true;
	return p->allow_only &&
	       !portier_fw_portset_has(&p->allow[PORTIER_FW_TCP], port);
}

int portier_fw_guard_sshd(const struct portier_fw_policy *before,
			  const struct portier_fw_policy *after,
			  const struct portier_local *l,
			  struct portier_err *err)
{
	size_t i;
	uint32_t k;

	for (i = 0; i < l->n_socks; i++) {
		const struct portier_sock *s = &l->socks[i];
		const struct portier_proc *sshd = NULL;

		if (s->proto != PORTIER_LOCAL_TCP || !s->lport ||
		    !portier_sock_listening(s) || portier_sock_loopback(s) ||
		    !drops_tcp(after, s->lport) ||
		    (before && drops_tcp(before, s->lport)))
			continue;
		for (k = 0; k < s->owner_count && !sshd; k++) {
			const struct portier_proc *pr =
				portier_local_owner(l, s, k, NULL);

			if (pr && is_sshd(pr->comm))
				sshd = pr;
		}
		if (!sshd)
			continue;
		portier_err_set(
			err, PORTIER_EINVAL,
			"%s (pid %d) listens on tcp/%u, and this change "
			"would drop new connections to it; no SSH "
			"session was found for this command, but sudo "
			"and tmux or screen hide one",
			sshd->comm, sshd->pid, s->lport);
		if (after->allow_only &&
		    !portier_fw_portset_has(&after->close[PORTIER_FW_TCP],
					    s->lport))
			portier_err_hint(err,
					 "add %u/tcp to the allowed ports, "
					 "or add --i-know-ssh-is-closed if "
					 "another way in remains",
					 s->lport);
		else
			portier_err_hint(err,
					 "leave %u out of the list, or add "
					 "--i-know-ssh-is-closed if another "
					 "way in remains",
					 s->lport);
		return PORTIER_EINVAL;
	}
	return 0;
}
