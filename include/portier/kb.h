/*
 * kb.h - the port knowledge base: what a port is, why it is dangerous when
 * exposed, which trojans used it, and how to close it.
 *
 * Two layers.  IANA's registry (one name and description per port/protocol,
 * portier_iana_*) is static and complete.  portier's own entries
 * (struct portier_kb_entry) carry the judgement: risk, scope, history,
 * advice; they live in a struct portier_kb together with the user's
 * overlays, which may add or replace entries.  Both are compiled from
 * data/ at build time; see data/README.md for the meaning of every field.
 *
 * Ownership: every const pointer handed out points into the built-in tables
 * or into the struct portier_kb, and stays valid until portier_kb_free.
 */
#ifndef PORTIER_KB_H
#define PORTIER_KB_H

#include "portier/addr.h" /* enum portier_proto */
#include "portier/common.h"

enum portier_risk {
	PORTIER_RISK_NONE,
	PORTIER_RISK_LOW,
	PORTIER_RISK_MEDIUM,
	PORTIER_RISK_HIGH,
};

/* Where a listener on the port normally belongs. */
enum portier_scope {
	PORTIER_SCOPE_ANY,   /* meant to be reachable */
	PORTIER_SCOPE_LAN,   /* a trusted LAN, never the internet */
	PORTIER_SCOPE_LOCAL, /* loopback only */
};

enum portier_port_class {
	PORTIER_CLASS_WELL_KNOWN, /* 0-1023: system ports */
	PORTIER_CLASS_REGISTERED, /* 1024-49151: user ports */
	PORTIER_CLASS_DYNAMIC,	  /* 49152-65535: dynamic/private */
};

/* Where an entry came from; overlays outrank the built-in table. */
enum portier_kb_origin {
	PORTIER_KB_BUILTIN,
	PORTIER_KB_SITE, /* /etc/portier/ports.tsv */
	PORTIER_KB_USER, /* ~/.config/portier/ports.tsv */
};

/* One of portier's own entries.  Empty fields are "" (never NULL). */
struct portier_kb_entry {
	uint16_t lo, hi;     /* the port, or a range lo-hi */
	uint8_t protos;	     /* PORTIER_PROTO_TCP and/or _UDP */
	uint8_t risk;	     /* enum portier_risk */
	uint8_t scope;	     /* enum portier_scope */
	uint8_t origin;	     /* enum portier_kb_origin */
	const char *name;    /* the first of service's names */
	const char *service; /* comma-separated names */
	const char *summary;
	const char *danger;
	const char *trojans; /* comma-separated names */
	const char *advice_linux;
	const char *advice_windows;
};

struct portier_iana_entry {
	uint16_t port;
	uint8_t proto; /* one PORTIER_PROTO_* bit */
	const char *name;
	const char *description; /* "" if IANA gives none */
};

struct portier_kb;

struct portier_kb_options {
	/*
	 * Overlay files, lowest precedence first; NULL entries are skipped.
	 * A missing file is not an error.  If overlays is NULL the defaults
	 * are used: /etc/portier/ports.tsv, then $XDG_CONFIG_HOME (or
	 * ~/.config)/portier/ports.tsv; a default file this process may not
	 * read (EACCES, e.g. root's home after dropping privileges) is
	 * skipped like a missing one.
	 */
	const char *const *overlays;
	size_t n_overlays;
	bool no_overlays; /* built-in entries only */
};

/*
 * Build a knowledge base from the built-in table and the overlays.  A bad
 * overlay line fails the whole call with PORTIER_EINVAL and "file:line:
 * reason" in err.  Free with portier_kb_free.
 */
PORTIER_API int portier_kb_new(struct portier_kb **out,
			       const struct portier_kb_options *opt,
			       struct portier_err *err);
PORTIER_API void portier_kb_free(struct portier_kb *kb);

/* All entries, sorted by (lo, hi, protos). */
PORTIER_API size_t portier_kb_count(const struct portier_kb *kb);
PORTIER_API const struct portier_kb_entry *
portier_kb_at(const struct portier_kb *kb, size_t i);

/*
 * The entries that cover port for any protocol in protos, narrowest range
 * first.  Writes at most max pointers to out and returns how many exist
 * (which may exceed max).
 */
PORTIER_API size_t portier_kb_find(const struct portier_kb *kb, uint16_t port,
				   unsigned protos,
				   const struct portier_kb_entry **out,
				   size_t max);

/* The most specific entry for port/protos, or NULL. */
PORTIER_API const struct portier_kb_entry *
portier_kb_best(const struct portier_kb *kb, uint16_t port, unsigned protos);

/*
 * The short service name to show beside a port: the first name of
 * portier's own entry for exactly this port (what runs there in practice:
 * 80 http, 9200 elasticsearch), else IANA's name for the port/protocol,
 * else the name of an own range entry covering it, else NULL.  kb may be
 * NULL (IANA only).  Output meant for nmap's tools (XML, grepable) should
 * use nmap's own names instead.
 */
PORTIER_API const char *portier_kb_service_name(const struct portier_kb *kb,
						uint16_t port, unsigned proto);

/*
 * Case-insensitive keyword search over names, summaries and descriptions.
 * Calls on_entry for each matching own entry, then on_iana for each
 * matching IANA entry (either callback may be NULL).  Returns the number of
 * matches.
 */
PORTIER_API size_t portier_kb_search(
	const struct portier_kb *kb, const char *keyword,
	void (*on_entry)(const struct portier_kb_entry *e, void *ctx),
	void (*on_iana)(const struct portier_iana_entry *e, void *ctx),
	void *ctx);

/* IANA's registry: count, i-th entry (sorted by port, proto, name). */
PORTIER_API size_t portier_iana_count(void);
PORTIER_API const struct portier_iana_entry *portier_iana_at(size_t i);
/* Index of the first IANA entry with port >= port (may be count). */
PORTIER_API size_t portier_iana_lower_bound(uint16_t port);
/* IANA's first entry for port with a protocol in protos, or NULL. */
PORTIER_API const struct portier_iana_entry *portier_iana_find(uint16_t port,
							       unsigned protos);

PORTIER_API enum portier_port_class portier_port_class(uint16_t port);
PORTIER_API const char *portier_port_class_name(enum portier_port_class c);
PORTIER_API const char *portier_risk_name(enum portier_risk r);
PORTIER_API const char *portier_scope_name(enum portier_scope s);
/* "tcp", "udp", "tcp+udp", "sctp", ... for a mask of PORTIER_PROTO_* */
PORTIER_API const char *portier_proto_name(unsigned protos);
/* Parse "tcp", "udp", "tcp+udp", "sctp", "dccp"; 0 or PORTIER_EINVAL. */
PORTIER_API int portier_proto_parse(const char *s, unsigned *protos);
PORTIER_API int portier_risk_parse(const char *s, enum portier_risk *r);

/*
 * This host's ephemeral (local) port range from
 * <proc_root>/sys/net/ipv4/ip_local_port_range; proc_root NULL means
 * "/proc".  Returns 0 or a negative error.
 */
PORTIER_API int portier_ephemeral_range(const char *proc_root, uint16_t *lo,
					uint16_t *hi, struct portier_err *err);

#endif
