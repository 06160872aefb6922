/*
 * rules.c - the rules of `portier audit`, one function per kind of
 * problem, each with the reason it gives and the advice it falls back on
 * when the knowledge base has none.
 *
 * Port rules judge listeners (TCP LISTEN, bound unconnected UDP); the only
 * rule about connections is a connection this host opened to a trojan
 * port.  Process rules judge the programs that own listeners.  How bad a
 * trojan port is depends on its owner (portier_audit_owner_trust): a
 * program whose name is the port's IANA service is most likely that
 * service; one running from a deleted file or from /tmp is not.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "audit/audit_int.h"

/* ---- who owns it -----------------------------------------------------------
 */

const char *portier_audit_exe_place(const char *exe)
{
	static const struct {
		const char *prefix, *place;
	} places[] = {
		{"/tmp/", "/tmp"},
		{"/var/tmp/", "/var/tmp"},
		{"/dev/shm/", "/dev/shm"},
		{"/run/shm/", "/run/shm"},
		{"/home/", "a home directory"},
		{"/root/", "root's home directory"},
		{"/run/user/", "a user's runtime directory"},
	};
	size_t i;

	if (!exe)
		return NULL;
	for (i = 0; i < sizeof(places) / sizeof(places[0]); i++)
		if (strncmp(exe, places[i].prefix, strlen(places[i].prefix)) ==
		    0)
			return places[i].place;
	return NULL;
}

static const char *base_name(const char *path)
{
	const char *s = path ? strrchr(path, '/') : NULL;

	return s ? s + 1 : path;
}

/* The kernel keeps 15 bytes of a process name (TASK_COMM_LEN 16 with NUL). */
#define COMM_KEPT 15

/*
 * Is program name prog the name n (n_len bytes)?  Whole names only: "sys"
 * is not "systemd", nor "sshd-x" "sshd".  A comm of exactly 15 bytes may
 * be a longer name cut by the kernel, so it also matches a name it begins
 * ("systemd-timesyn" is systemd-timesyncd); never the other way round.
 * With daemon_d, a trailing "d" is allowed too (service ssh, program sshd).
 */
static bool name_is(const char *prog, bool is_comm, const char *n, size_t n_len,
		    bool daemon_d)
{
	size_t pl = strlen(prog);

	if (pl == n_len && strncasecmp(prog, n, pl) == 0)
		return true;
	if (daemon_d && pl == n_len + 1 && strncasecmp(prog, n, n_len) == 0 &&
	    (prog[n_len] == 'd' || prog[n_len] == 'D'))
		return true;
	return is_comm && pl == COMM_KEPT && n_len > pl &&
	       strncasecmp(prog, n, pl) == 0;
}

/*
 * Is p named after one of the comma-separated names?  The executable's
 * file name when it is known: the comm is whatever the process chose
 * (prctl(PR_SET_NAME)), so a python3 calling itself "sshd" is python3.
 * The comm only when the executable cannot be read.
 */
static bool named_after(const struct portier_proc *p, const char *names,
			bool daemon_d)
{
	const char *prog = p->exe ? base_name(p->exe) : p->comm;
	bool is_comm = !p->exe;

	if (!prog || !*prog)
		return false;
	while (names && *names) {
		size_t len = strcspn(names, ",");

		while (len && *names == ' ') {
			names++;
			len--;
		}
		if (len && name_is(prog, is_comm, names, len, daemon_d))
			return true;
		names += len;
		if (*names == ',')
			names++;
	}
	return false;
}

static bool system_path(const char *exe)
{
	static const char *const dirs[] = {
		"/usr/sbin/",  "/usr/bin/", "/usr/lib/", "/usr/libexec/",
		"/usr/lib64/", "/sbin/",    "/bin/",	 "/lib/"};
	size_t i;

	for (i = 0; exe && i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (strncmp(exe, dirs[i], strlen(dirs[i])) == 0)
			return true;
	return false;
}

enum portier_owner_trust portier_audit_owner_trust(const struct portier_proc *p,
						   const struct portier_kb *kb,
						   uint16_t port,
						   unsigned protos)
{
	const struct portier_kb_entry *e;
	const char *iana;

	if (!p)
		return PORTIER_OWNER_UNKNOWN;
	if (p->exe_deleted || portier_audit_exe_place(p->exe))
		return PORTIER_OWNER_SUSPECT;
	iana = kb ? portier_kb_service_name(kb, port, protos) : NULL;
	e = kb ? portier_kb_best(kb, port, protos) : NULL;
	if ((iana && named_after(p, iana, true)) ||
	    (e && named_after(p, e->service, true)))
		return system_path(p->exe) ? PORTIER_OWNER_SERVICE
					   : PORTIER_OWNER_OTHER;
	if (system_path(p->exe))
		return PORTIER_OWNER_SYSTEM;
	return PORTIER_OWNER_OTHER;
}

static const char *trust_words(enum portier_owner_trust t)
{
	switch (t) {
	case PORTIER_OWNER_SERVICE:
		return "a system program named after the port's service";
	case PORTIER_OWNER_SYSTEM:
		return "a system program, but not the port's service";
	case PORTIER_OWNER_OTHER:
		return "a program outside the system directories";
	case PORTIER_OWNER_SUSPECT:
		return "a program running from a deleted file or a "
		       "temporary/home directory";
	default:
		return "no process that could be seen";
	}
}

/* Describe the owner: "sshd (pid 12, /usr/sbin/sshd)". */
static void owner_text(const struct portier_proc *p, char *buf, size_t len)
{
	if (!p) {
		portier_strlcpy(buf, "no visible process", len);
		return;
	}
	const char *exe = p->exe ? p->exe : "executable unknown";
	const char *who = p->container ? p->container : p->unit ? p->unit : "";

	/* the container or unit tells who started it; long names are cut
	 * between characters, never inside one */
	snprintf(buf, len, "%s (pid %d, %.*s%s%s%.*s)",
		 p->comm[0] ? p->comm : "?", p->pid, audit_utf8_len(exe, 200),
		 exe, p->exe_deleted ? " (deleted)" : "",
		 p->container || p->unit ? ", " : "", audit_utf8_len(who, 80),
		 who);
	audit_utf8_trim(buf);
}

static const char *advice_or(const struct portier_kb_entry *e,
			     const char *fallback)
{
	return e && e->advice_linux[0] ? e->advice_linux : fallback;
}

/* ---- port rules
 * --------------------------------------------------------------- */

struct judged {
	const struct portier_sock *s;
	const struct portier_kb_entry *e;
	const struct portier_proc *p; /* first owner or NULL */
	long proc;
	unsigned protos; /* PORTIER_PROTO_TCP or _UDP */
	bool lo;
	const char *svc; /* IANA or kb name, or NULL */
	char owner[400];
};

static const char *proto_word(const struct portier_sock *s)
{
	return portier_local_proto_name(s->proto);
}

static bool rule_trojan(struct audit_ctx *c, struct judged *j)
{
	enum portier_owner_trust t;
	struct portier_finding *f;
	uint8_t sev;

	if (!j->e || !j->e->trojans[0])
		return false;
	t = portier_audit_owner_trust(j->p, c->kb, j->s->lport, j->protos);
	/*
	 * A system port with an IANA service (21, 23, 80 ...) was used by
	 * trojans too, but a listener there is that service far more often:
	 * only a suspicious owner makes its trojan history worth a finding.
	 */
	if (j->s->lport < 1024 && j->svc && t != PORTIER_OWNER_SUSPECT &&
	    t != PORTIER_OWNER_UNKNOWN)
		return false;
	/*
	 * An unconnected UDP socket on a port of the ephemeral range is most
	 * often a client's (a resolver's) randomly bound local port: the
	 * rkhunter false alarm again.  Only a suspicious owner counts.
	 */
	if (j->s->proto == PORTIER_LOCAL_UDP && c->o->eph_hi > c->o->eph_lo &&
	    j->s->lport >= c->o->eph_lo && j->s->lport <= c->o->eph_hi &&
	    t != PORTIER_OWNER_SUSPECT && t != PORTIER_OWNER_UNKNOWN)
		return false;
	switch (t) {
	case PORTIER_OWNER_SERVICE:
		sev = PORTIER_RISK_LOW;
		break;
	case PORTIER_OWNER_SYSTEM:
	case PORTIER_OWNER_OTHER:
		sev = PORTIER_RISK_MEDIUM;
		break;
	case PORTIER_OWNER_SUSPECT:
		sev = PORTIER_RISK_HIGH;
		break;
	default:
		sev = c->o->privileged ? PORTIER_RISK_HIGH
				       : PORTIER_RISK_MEDIUM;
	}
	f = audit_add(c, PORTIER_AUDIT_TROJAN_PORT, sev, j->s, j->s->lport,
		      j->proc);
	if (!f)
		return true;
	f->kb = j->e;
	snprintf(f->reason, sizeof(f->reason),
		 "%s port %u is a known trojan/backdoor port (%s)%s%s%s; it "
		 "is held by %s: %s",
		 proto_word(j->s), j->s->lport, j->e->trojans,
		 j->svc ? ", though it is also assigned to " : "",
		 j->svc ? j->svc : "",
		 j->svc ? ", so it may be legitimate" : "", j->owner,
		 trust_words(t));
	portier_strlcpy(f->advice,
			advice_or(j->e, "find out what the program is "
					"(ls -l /proc/PID/exe, dpkg -S), stop "
					"it if nobody can explain it, and "
					"block the port with nftables"),
			sizeof(f->advice));
	return true;
}

static bool rule_windows(struct audit_ctx *c, struct judged *j)
{
	uint16_t p = j->s->lport;
	bool tcp = j->s->proto == PORTIER_LOCAL_TCP;
	struct portier_finding *f;

	if (j->lo || !((tcp && (p == 135 || p == 139 || p == 445)) ||
		       (!tcp && (p == 135 || p == 137 || p == 138))))
		return false;
	f = audit_add(c, PORTIER_AUDIT_WINDOWS_SHARING, PORTIER_RISK_HIGH, j->s,
		      p, j->proc);
	if (!f)
		return true;
	f->kb = j->e;
	snprintf(f->reason, sizeof(f->reason),
		 "%s %u (%s) listens on a non-loopback address, held by %.*s: "
		 "SMB, NetBIOS and RPC are the ports worms spread through "
		 "(Blaster, Sasser, Conficker, WannaCry) and they reveal "
		 "names, shares and users",
		 proto_word(j->s), p,
		 p == 445   ? "SMB"
		 : p == 135 ? "RPC endpoint mapper"
			    : "NetBIOS",
		 audit_utf8_len(j->owner, 300), j->owner);
	portier_strlcpy(f->advice,
			advice_or(j->e, "bind Samba to trusted interfaces "
					"only (interfaces = ... and bind "
					"interfaces only = yes) or stop smbd/"
					"nmbd; block 135-139 and 445 with "
					"nftables"),
			sizeof(f->advice));
	return true;
}

static bool rule_legacy(struct audit_ctx *c, struct judged *j)
{
	static const struct {
		uint16_t port;
		uint8_t proto;
		const char *name, *why;
	} legacy[] = {
		{23, PORTIER_LOCAL_TCP, "telnet",
		 "logins and whole sessions cross the network in cleartext"},
		{69, PORTIER_LOCAL_UDP, "tftp",
		 "files are served and accepted with no authentication at all"},
		{79, PORTIER_LOCAL_TCP, "finger",
		 "it tells anyone who asks the user names and habits of this "
		 "host"},
		{513, PORTIER_LOCAL_TCP, "rlogin",
		 "it trusts the client's address (.rhosts) and sends "
		 "everything in cleartext"},
		{514, PORTIER_LOCAL_TCP, "rsh",
		 "it runs commands for whoever the client's address claims to "
		 "be, in cleartext"},
	};
	struct portier_finding *f;
	size_t i;

	for (i = 0; i < sizeof(legacy) / sizeof(legacy[0]); i++)
		if (legacy[i].port == j->s->lport &&
		    legacy[i].proto == j->s->proto)
			break;
	if (i == sizeof(legacy) / sizeof(legacy[0]))
		return false;
	f = audit_add(c, PORTIER_AUDIT_LEGACY_SERVICE,
		      j->lo ? PORTIER_RISK_MEDIUM : PORTIER_RISK_HIGH, j->s,
		      j->s->lport, j->proc);
	if (!f)
		return true;
	f->kb = j->e;
	snprintf(f->reason, sizeof(f->reason),
		 "%s listens on %s %u%s, held by %s: %s; nothing should offer "
		 "it today",
		 legacy[i].name, proto_word(j->s), j->s->lport,
		 j->lo ? " (loopback only)" : "", j->owner, legacy[i].why);
	snprintf(f->advice, sizeof(f->advice), "%s",
		 advice_or(j->e, "remove the service (its package, or its "
				 "line in inetd.conf/xinetd) and use ssh "
				 "instead"));
	return true;
}

static bool rule_local_only(struct audit_ctx *c, struct judged *j)
{
	struct portier_finding *f;
	uint8_t sev;

	if (j->lo || !j->e || j->e->scope != PORTIER_SCOPE_LOCAL)
		return false;
	sev = j->e->risk > PORTIER_RISK_MEDIUM ? j->e->risk
					       : PORTIER_RISK_MEDIUM;
	f = audit_add(c, PORTIER_AUDIT_LOCAL_ONLY, sev, j->s, j->s->lport,
		      j->proc);
	if (!f)
		return true;
	f->kb = j->e;
	snprintf(f->reason, sizeof(f->reason),
		 "%s %u (%s) belongs on loopback, but listens on %s, held by "
		 "%s: %s",
		 proto_word(j->s), j->s->lport, j->e->name,
		 portier_sock_wildcard(j->s) ? "every address"
					     : "a non-loopback address",
		 j->owner, j->e->danger[0] ? j->e->danger : j->e->summary);
	portier_strlcpy(f->advice,
			advice_or(j->e, "bind it to 127.0.0.1 and ::1 in its "
					"configuration, or firewall the port"),
			sizeof(f->advice));
	return true;
}

static void rule_risky(struct audit_ctx *c, struct judged *j)
{
	struct portier_finding *f;
	int sev;

	if (j->lo || !j->e || j->e->risk == PORTIER_RISK_NONE ||
	    j->e->hi - j->e->lo > 64) /* wide ranges say too little */
		return;
	/* risk is for exposure to an untrusted network; scope says whether
	 * being reachable is normal for the service */
	sev = (int)j->e->risk - (j->e->scope == PORTIER_SCOPE_ANY ? 2 : 1);
	if (sev < (int)PORTIER_RISK_NONE ||
	    (sev == PORTIER_RISK_NONE && j->e->risk == PORTIER_RISK_LOW))
		return;
	f = audit_add(c, PORTIER_AUDIT_RISKY_PORT, (uint8_t)sev, j->s,
		      j->s->lport, j->proc);
	if (!f)
		return;
	f->kb = j->e;
	snprintf(f->reason, sizeof(f->reason),
		 "%s %u (%s, %s risk when exposed) is reachable on %s, held "
		 "by %s%s%s",
		 proto_word(j->s), j->s->lport, j->e->name,
		 portier_risk_name((enum portier_risk)j->e->risk),
		 portier_sock_wildcard(j->s) ? "every address"
					     : "a non-loopback address",
		 j->owner, j->e->danger[0] ? ": " : "", j->e->danger);
	portier_strlcpy(f->advice,
			advice_or(j->e, "allow it only from the networks that "
					"need it (nftables), or bind it to "
					"loopback"),
			sizeof(f->advice));
}

static void rule_unknown(struct audit_ctx *c, struct judged *j)
{
	struct portier_finding *f;
	bool eph;

	/* a range entry (the ephemeral range...) does not name a service */
	if (j->lo || (j->e && j->e->lo == j->e->hi) || j->svc)
		return;
	f = audit_add(c, PORTIER_AUDIT_UNKNOWN_PORT, PORTIER_RISK_NONE, j->s,
		      j->s->lport, j->proc);
	if (!f)
		return;
	eph = c->o->eph_hi > c->o->eph_lo && j->s->lport >= c->o->eph_lo &&
	      j->s->lport <= c->o->eph_hi;
	snprintf(f->reason, sizeof(f->reason),
		 "%s %u has no assigned service and portier knows nothing "
		 "about it%s; it is held by %.*s",
		 proto_word(j->s), j->s->lport,
		 eph ? " (it lies in the ephemeral range: a program that let "
		       "the kernel pick its port, as RPC helpers do)"
		     : "",
		 audit_utf8_len(j->owner, 400), j->owner);
	portier_strlcpy(f->advice,
			"make sure you know why this program listens here; if "
			"it only serves this host, bind it to loopback",
			sizeof(f->advice));
}

static void rule_no_owner(struct audit_ctx *c, struct judged *j)
{
	struct portier_finding *f;

	if (j->p || !c->l->procs_scanned || !c->o->privileged)
		return;
	f = audit_add(c, PORTIER_AUDIT_NO_OWNER, PORTIER_RISK_NONE, j->s,
		      j->s->lport, -1);
	if (!f)
		return;
	snprintf(f->reason, sizeof(f->reason),
		 "no process on this host holds %s %u: it is a kernel service "
		 "(NFS, WireGuard...), a process in another PID namespace "
		 "whose /proc is not visible here, or something that hides",
		 proto_word(j->s), j->s->lport);
	portier_strlcpy(f->advice,
			"if no kernel service or container explains it, "
			"investigate (lsmod, ip netns, container runtimes)",
			sizeof(f->advice));
}

/* ---- process rules
 * -------------------------------------------------------------- */

/*
 * Programs each well-known port is expected to be served by: the file
 * names of their executables, whole (named_after).
 */
static const struct {
	uint16_t port;
	uint8_t proto;
	const char *programs;
} expected[] = {
	{21, PORTIER_LOCAL_TCP, "vsftpd,proftpd,pure-ftpd,ftpd,in.ftpd"},
	{22, PORTIER_LOCAL_TCP, "sshd,dropbear"},
	{25, PORTIER_LOCAL_TCP, "master,exim4,exim,sendmail,smtpd,opensmtpd"},
	{53, PORTIER_LOCAL_UDP,
	 "named,dnsmasq,unbound,systemd-resolved,pdns_server,pdns_recursor,"
	 "coredns,knotd,kresd,nsd,maradns"},
	{53, PORTIER_LOCAL_TCP,
	 "named,dnsmasq,unbound,systemd-resolved,pdns_server,pdns_recursor,"
	 "coredns,knotd,kresd,nsd,maradns"},
	{111, PORTIER_LOCAL_TCP, "rpcbind,portmap"},
	{123, PORTIER_LOCAL_UDP, "ntpd,chronyd,systemd-timesyncd,openntpd"},
	{137, PORTIER_LOCAL_UDP, "nmbd,samba"},
	{139, PORTIER_LOCAL_TCP, "smbd,samba"},
	{445, PORTIER_LOCAL_TCP, "smbd,samba"},
	{3306, PORTIER_LOCAL_TCP, "mysqld,mariadbd"},
	{5432, PORTIER_LOCAL_TCP, "postgres,postmaster"},
	{6379, PORTIER_LOCAL_TCP,
	 "redis-server,redis-check-rdb,valkey,valkey-server"},
	{11211, PORTIER_LOCAL_TCP, "memcached"},
	{27017, PORTIER_LOCAL_TCP, "mongod"},
};

/* Programs that hold sockets on behalf of the real service. */
static const char holders[] =
	"systemd,inetd,xinetd,docker-proxy,rootlessport,slirp4netns,pasta,"
	"pasta.avx2,containerd-shim,containerd-shim-runc-v2,conmon";

static void rule_processes(struct audit_ctx *c, struct judged *j)
{
	const struct portier_sock *s = j->s;
	uint32_t i;
	size_t k;

	for (i = 0; i < s->owner_count; i++) {
		const struct portier_proc *p =
			portier_local_owner(c->l, s, i, NULL);
		long proc = c->l->owners[s->owner_first + i].proc;
		const char *place = portier_audit_exe_place(p->exe);
		struct portier_finding *f;
		char who[400];

		owner_text(p, who, sizeof(who));
		if (p->exe_deleted &&
		    (f = audit_add(c, PORTIER_AUDIT_EXE_DELETED,
				   PORTIER_RISK_HIGH, s, 0, proc)) != NULL) {
			snprintf(f->reason, sizeof(f->reason),
				 "%s listens, but its executable %s has been "
				 "deleted: either it was upgraded and not "
				 "restarted, or something removed its own "
				 "file to hide",
				 who, p->exe ? p->exe : "?");
			snprintf(
				f->advice, sizeof(f->advice),
				"if a package upgrade explains it, restart the "
				"service; otherwise keep a copy for analysis "
				"(cp /proc/%d/exe), then stop the process",
				p->pid);
		}
		if (place &&
		    (f = audit_add(c, PORTIER_AUDIT_EXE_LOCATION,
				   PORTIER_RISK_HIGH, s, 0, proc)) != NULL) {
			snprintf(f->reason, sizeof(f->reason),
				 "%s listens, and runs from %s, where anyone "
				 "can drop a program and no package manager "
				 "keeps track: a typical place for malware",
				 who, place);
			snprintf(f->advice, sizeof(f->advice),
				 "find out who started it (ps -o ppid,user,"
				 "lstart -p %d; the unit or cron job); if "
				 "nobody can explain it, stop it and remove "
				 "the file",
				 p->pid);
		}
	}
	/* name mismatch: judged for the first owner */
	if (!j->p || named_after(j->p, holders, false))
		return;
	for (k = 0; k < sizeof(expected) / sizeof(expected[0]); k++) {
		struct portier_finding *f;

		if (expected[k].port != s->lport ||
		    expected[k].proto != s->proto)
			continue;
		if (named_after(j->p, expected[k].programs, false))
			return;
		f = audit_add(c, PORTIER_AUDIT_NAME_MISMATCH,
			      PORTIER_RISK_MEDIUM, s, s->lport, j->proc);
		if (!f)
			return;
		f->kb = j->e;
		snprintf(f->reason, sizeof(f->reason),
			 "%s %u is where %s normally listens, but it is held "
			 "by %s: a backdoor often hides on a port that looks "
			 "ordinary",
			 proto_word(s), s->lport, expected[k].programs,
			 j->owner);
		portier_strlcpy(f->advice,
				"check what the program is and who started "
				"it; if it is a legitimate replacement, "
				"nothing to do",
				sizeof(f->advice));
		return;
	}
}

/* ---- connections
 * -------------------------------------------------------------- */

static void rule_trojan_remote(struct audit_ctx *c,
			       const struct portier_sock *s)
{
	const struct portier_kb_entry *e;
	const struct portier_proc *p;
	enum portier_owner_trust t;
	struct portier_finding *f;
	uint8_t sev;
	char who[400], ra[64];

	if (s->proto != PORTIER_LOCAL_TCP ||
	    (s->state != PORTIER_SS_ESTABLISHED &&
	     s->state != PORTIER_SS_SYN_SENT) ||
	    !portier_local_outbound(s, &c->listen_tcp) || !c->kb)
		return;
	e = portier_kb_best(c->kb, s->rport, PORTIER_PROTO_TCP);
	if (!e || !e->trojans[0])
		return;
	p = portier_local_owner(c->l, s, 0, NULL);
	t = portier_audit_owner_trust(p, c->kb, s->rport, PORTIER_PROTO_TCP);
	sev = t == PORTIER_OWNER_SUSPECT ? PORTIER_RISK_HIGH
	      : t == PORTIER_OWNER_UNKNOWN || t == PORTIER_OWNER_OTHER
		      ? PORTIER_RISK_MEDIUM
		      : PORTIER_RISK_LOW;
	f = audit_add(c, PORTIER_AUDIT_TROJAN_REMOTE, sev, s, s->rport,
		      p ? (long)c->l->owners[s->owner_first].proc : -1);
	if (!f)
		return;
	f->kb = e;
	owner_text(p, who, sizeof(who));
	portier_sock_addr(s, true, ra, sizeof(ra));
	snprintf(f->reason, sizeof(f->reason),
		 "%.*s connected out to %s port %u, a known trojan/backdoor "
		 "port (%.*s): a compromised program calling its controller "
		 "looks like this, though the port may also be an ordinary "
		 "service there",
		 audit_utf8_len(who, 250), who, ra, s->rport,
		 audit_utf8_len(e->trojans, 100), e->trojans);
	portier_strlcpy(f->advice,
			"find out why this program talks to that host; if "
			"nobody can explain it, stop it and block the address",
			sizeof(f->advice));
}

void audit_socket(struct audit_ctx *c, const struct portier_sock *s)
{
	struct judged j = {.s = s, .proc = -1};
	const struct portier_iana_entry *ia;
	bool port_rule;

	if (s->family == AF_UNIX || s->proto == PORTIER_LOCAL_RAW)
		return;
	if (!portier_sock_listening(s)) {
		rule_trojan_remote(c, s);
		return;
	}
	if (s->lport == 0)
		return;
	j.protos = s->proto == PORTIER_LOCAL_TCP ? PORTIER_PROTO_TCP
						 : PORTIER_PROTO_UDP;
	j.lo = portier_sock_loopback(s);
	j.e = c->kb ? portier_kb_best(c->kb, s->lport, j.protos) : NULL;
	ia = portier_iana_find(s->lport, j.protos);
	j.svc = ia ? ia->name : NULL;
	if (!j.svc && j.e && j.e->lo == j.e->hi)
		j.svc = j.e->name;
	j.p = portier_local_owner(c->l, s, 0, NULL);
	if (j.p)
		j.proc = c->l->owners[s->owner_first].proc;
	owner_text(j.p, j.owner, sizeof(j.owner));

	port_rule = rule_trojan(c, &j);
	port_rule |= rule_windows(c, &j);
	port_rule |= rule_legacy(c, &j);
	port_rule |= rule_local_only(c, &j);
	if (!port_rule)
		rule_risky(c, &j);
	rule_unknown(c, &j);
	rule_no_owner(c, &j);
	rule_processes(c, &j);
}

void audit_close_wait(struct audit_ctx *c)
{
	struct portier_diag_opts o = {.close_wait_min = c->o->close_wait_min,
				      .time_wait_min = UINT32_MAX,
				      .syn_recv_min = UINT32_MAX};
	struct portier_diag d[32];
	size_t n = portier_local_diagnose(c->l, NULL, &o, d, 32), i, k;

	for (i = 0; i < n && i < 32; i++) {
		struct portier_finding *f;
		long proc = -1;

		if (d[i].kind != PORTIER_DIAG_CLOSE_WAIT)
			continue;
		for (k = 0; k < c->l->n_procs; k++)
			if (d[i].pid && c->l->procs[k].pid == d[i].pid)
				proc = (long)k;
		f = audit_add(c, PORTIER_AUDIT_CLOSE_WAIT, d[i].severity, NULL,
			      0, proc);
		if (!f)
			continue;
		f->count = d[i].count;
		/* one of the sockets, so the finding knows its namespace */
		for (k = 0; proc >= 0 && k < c->l->n_socks; k++) {
			const struct portier_sock *s = &c->l->socks[k];

			if (s->state == PORTIER_SS_CLOSE_WAIT &&
			    s->owner_count &&
			    c->l->owners[s->owner_first].proc ==
				    (uint32_t)proc) {
				f->sock = (uint32_t)k;
				break;
			}
		}
		portier_strlcpy(f->reason, d[i].text, sizeof(f->reason));
		portier_strlcpy(f->advice,
				"fix the program to close sockets whose peer "
				"has closed (read returns 0); restart it to "
				"release them now",
				sizeof(f->advice));
	}
}
