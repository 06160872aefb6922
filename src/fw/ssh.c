/*
 * ssh.c - which port the SSH session this command runs in came through, so
 * that allow-only keeps it open and close refuses to cut it.
 *
 * Two sources.  $SSH_CONNECTION, set by sshd for the session, names the
 * server port directly.  When it is gone (sudo resets the environment), the
 * socket table answers: walk up from our process through its parents to the
 * sshd process serving the session, take the socket inodes among its open
 * files (/proc/PID/fd -> "socket:[INODE]"), and find the established TCP
 * connection with one of those inodes in /proc/net/tcp or tcp6; its local
 * port is the one to keep.  /proc/net/ is the reading process's network
 * namespace, so inside a namespace with no SSH session nothing is found.
 *
 * Neither source works everywhere: sudo's env_reset removes
 * $SSH_CONNECTION, and inside tmux or screen the walk up the parents ends
 * at the multiplexer's server, which no sshd started.  So when no session
 * is found, the listeners speak instead: a change that would drop new
 * connections to a port an sshd process listens on is refused
 * (portier_fw_guard_sshd) - the admin may well be logged in through it.
 *
 * Note: src/local/ reads the socket table in full via sock_diag; this file
 * reads only the few lines it needs and may move onto that module's API.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fw/fw_int.h"
#include "portier/local.h"

/* Text address -> conn's family and raddr (v4-mapped IPv6 as IPv4). */
static int parse_addr(const char *text, struct portier_fw_conn *c)
{
	static const uint8_t mapped[12] = {[10] = 0xff, [11] = 0xff};

	if (inet_pton(AF_INET, text, c->raddr) == 1) {
		c->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, text, c->raddr) != 1)
		return -1;
	c->family = AF_INET6;
	if (memcmp(c->raddr, mapped, 12) == 0) {
		memmove(c->raddr, c->raddr + 12, 4);
		memset(c->raddr + 4, 0, 12);
		c->family = AF_INET;
	}
	return 0;
}

int portier_fw_ssh_from_env(const char *value, struct portier_fw_conn *sess)
{
	char buf[256], *f[5], *save = NULL, *tok;
	unsigned long cport, sport;
	int nf = 0;

	memset(sess, 0, sizeof(*sess));
	if (!value || !*value)
		return PORTIER_ENOENT;
	if (portier_strlcpy(buf, value, sizeof(buf)) >= sizeof(buf))
		return PORTIER_EINVAL;
	for (tok = strtok_r(buf, " \t", &save); tok && nf < 5;
	     tok = strtok_r(NULL, " \t", &save))
		f[nf++] = tok;
	if (nf != 4 || parse_addr(f[0], sess) < 0 ||
	    portier_parse_ulong(f[1], 1, 65535, &cport) < 0 ||
	    portier_parse_ulong(f[3], 1, 65535, &sport) < 0) {
		memset(sess, 0, sizeof(*sess));
		return PORTIER_EINVAL;
	}
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

/* Up to max socket inodes among pid's open files. */
static size_t socket_inodes(const char *root, pid_t pid, unsigned long *out,
			    size_t max)
{
	char dir[4200], path[4500], link[64];
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/%ld/fd", root, (long)pid);
	d = opendir(dir);
	if (!d)
		return 0;
	while ((de = readdir(d)) != NULL && n < max) {
		ssize_t len;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		len = readlink(path, link, sizeof(link) - 1);
		if (len <= 0)
			continue;
		link[len] = '\0';
		if (sscanf(link, "socket:[%lu]", &out[n]) == 1)
			n++;
	}
	closedir(d);
	return n;
}

/*
 * In one <root>/net/tcp{,6} file, the established connection whose inode
 * is one of inodes.
 */
static int find_established(const char *file, const unsigned long *inodes,
			    size_t n, struct portier_fw_conn *sess)
{
	static const uint8_t mapped[12] = {[10] = 0xff, [11] = 0xff};
	char line[512];
	FILE *f = fopen(file, "re");
	int found = 0;

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		struct fw_procnet e;
		size_t i;

		if (fw_procnet_line(line, &e) < 0 || e.state != 0x01)
			continue; /* not TCP_ESTABLISHED */
		for (i = 0; i < n && !found; i++) {
			if (inodes[i] != e.inode)
				continue;
			memset(sess, 0, sizeof(*sess));
			if (e.v6 && memcmp(e.raddr, mapped, 12) != 0) {
				sess->family = AF_INET6;
				memcpy(sess->raddr, e.raddr, 16);
			} else {
				sess->family = AF_INET;
				memcpy(sess->raddr, e.raddr + (e.v6 ? 12 : 0),
				       4);
			}
			sess->rport = e.rport;
			sess->lport = e.lport;
			found = 1;
		}
	}
	fclose(f);
	return found;
}

static bool is_sshd(const char *comm)
{
	/* OpenSSH 9.8 runs sessions as sshd-session */
	return strcmp(comm, "sshd") == 0 || strcmp(comm, "sshd-session") == 0;
}

int portier_fw_ssh_from_proc(const char *proc_root, pid_t pid,
			     struct portier_fw_conn *sess,
			     struct portier_err *err)
{
	char comm[64], file[4200];
	unsigned long inodes[64];
	int depth;

	if (!proc_root || !*proc_root)
		proc_root = "/proc";
	for (depth = 0; depth < 64 && pid > 1; depth++) {
		pid_t ppid;
		size_t n;

		if (read_stat(proc_root, pid, comm, sizeof(comm), &ppid) < 0)
			break;
		if (is_sshd(comm)) {
			n = socket_inodes(proc_root, pid, inodes, 64);
			snprintf(file, sizeof(file), "%s/net/tcp", proc_root);
			if (n && find_established(file, inodes, n, sess))
				return 0;
			snprintf(file, sizeof(file), "%s/net/tcp6", proc_root);
			if (n && find_established(file, inodes, n, sess))
				return 0;
		}
		pid = ppid;
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
