/*
 * audit.h - judge the sockets of this host (a struct portier_local) against
 * the port knowledge base: findings with a severity, the reason in plain
 * words, and the advice for closing what should be closed.
 *
 * A trojan port is evidence, not proof: many old trojan ports are IANA
 * services today, and several lie in Linux's ephemeral range.  So it is
 * flagged only on a listener, or as the remote port of a connection this
 * host opened, never on the local port of an outgoing connection, and its
 * severity depends on the process that holds it.
 */
#ifndef PORTIER_AUDIT_H
#define PORTIER_AUDIT_H

#include "portier/common.h"
#include "portier/kb.h"
#include "portier/local.h"

enum portier_audit_rule {
	PORTIER_AUDIT_TROJAN_PORT,     /* a trojan/backdoor port listening */
	PORTIER_AUDIT_TROJAN_REMOTE,   /* a connection out to a trojan port */
	PORTIER_AUDIT_WINDOWS_SHARING, /* SMB/NetBIOS/RPC off loopback */
	PORTIER_AUDIT_LEGACY_SERVICE,  /* telnet, rlogin, rsh, tftp, finger */
	PORTIER_AUDIT_LOCAL_ONLY,      /* scope=local service on 0.0.0.0/:: */
	PORTIER_AUDIT_RISKY_PORT,      /* a risky port reachable */
	PORTIER_AUDIT_EXE_DELETED,     /* listener's executable was deleted */
	PORTIER_AUDIT_EXE_LOCATION,    /* ... lives in /tmp, /dev/shm, home */
	PORTIER_AUDIT_NAME_MISMATCH,   /* known port, unexpected program */
	PORTIER_AUDIT_CLOSE_WAIT,      /* a process piling up CLOSE-WAIT */
	PORTIER_AUDIT_NO_OWNER,	       /* a listener no process owns */
	PORTIER_AUDIT_UNKNOWN_PORT,    /* a port nobody has assigned */
	PORTIER_AUDIT_N_RULES,
};

struct portier_finding {
	uint8_t rule;	  /* enum portier_audit_rule */
	uint8_t severity; /* enum portier_risk; NONE means "info" */
	uint8_t proto;	  /* enum portier_local_proto, 0 if not one port */
	uint16_t port;	  /* the port judged, 0 if not one port */
	uint32_t sock;	  /* the first socket concerned (index in l) */
	long proc;	  /* index in l->procs, or -1 */
	uint32_t count;	  /* sockets concerned */
	const struct portier_kb_entry *kb; /* the entry consulted, or NULL */
	char where[256];		   /* "tcp 0.0.0.0:23, tcp [::]:23" */
	char reason[600];		   /* why, in plain words */
	char advice[600];		   /* what to do */
};

struct portier_audit_opts {
	uint16_t eph_lo,
		eph_hi; /* this host's ephemeral range (0,0 if unknown) */
	uint32_t close_wait_min; /* per process; 0 means 50 */
	bool privileged;	 /* owners of all users' sockets were visible */
};

/*
 * Judge every socket of l (which should hold all states, with processes)
 * against kb.  *out (freed with portier_free) receives the findings, most
 * severe first; *n their number.
 */
PORTIER_API int portier_audit_run(const struct portier_local *l,
				  const struct portier_kb *kb,
				  const struct portier_audit_opts *o,
				  struct portier_finding **out, size_t *n,
				  struct portier_err *err);

/* "trojan-port", "windows-sharing", ... (stable: used in JSON). */
PORTIER_API const char *portier_audit_rule_name(enum portier_audit_rule r);
/* "high", "medium", "low", "info" */
PORTIER_API const char *portier_audit_severity_name(enum portier_risk r);
/* Parse "high", "medium", "low", "info"; 0 or PORTIER_EINVAL. */
PORTIER_API int portier_audit_severity_parse(const char *s,
					     enum portier_risk *r);

/* How a process looks as the owner of a port (for the trojan rule). */
enum portier_owner_trust {
	PORTIER_OWNER_SERVICE, /* its name is the port's service */
	PORTIER_OWNER_SYSTEM,  /* runs from a system directory */
	PORTIER_OWNER_OTHER,   /* runs from elsewhere (/opt, /usr/local...) */
	PORTIER_OWNER_SUSPECT, /* deleted, in /tmp, /dev/shm or a home */
	PORTIER_OWNER_UNKNOWN, /* no owner visible */
};

/* Judge p (may be NULL) as the owner of port/protos, per kb. */
PORTIER_API enum portier_owner_trust
portier_audit_owner_trust(const struct portier_proc *p,
			  const struct portier_kb *kb, uint16_t port,
			  unsigned protos);
/* The suspicious place exe lives in ("/tmp", "/dev/shm", "a home
 * directory"...), or NULL. */
PORTIER_API const char *portier_audit_exe_place(const char *exe);

#endif
