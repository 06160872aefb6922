/*
 * svc.h - service and version detection (`portier scan -sV`): what really
 * answers on an open TCP port, in nmap's terms (service name, product,
 * version, extra information) plus findings with advice.
 *
 * Three layers, each its own home:
 *
 *  - Protocol modules (src/svc/<name>.c): pure conversation machines over
 *    byte buffers.  A module never touches a socket or a clock: it is told
 *    what arrived and answers with bytes to send, "need more", "this is
 *    me" (with the facts) or "not me".  Every module is a constant struct
 *    portier_svc_proto, listed in one table (portier_svc_protos).  The
 *    fuzz harness drives every module with hostile replies.
 *  - Fingerprints (data/services, built in like data/udp-payloads): regular
 *    expressions over the text a module extracted (a banner line, an HTTP
 *    Server header, an SSH version string) that name product and version;
 *    each entry carries an example that a unit test matches.
 *  - The driver (network): connects, waits for a banner (the NULL probe),
 *    picks modules by port, by banner and by --version-intensity, runs
 *    them with every wait bounded by a deadline, and wraps a TLS layer
 *    around a module when the port speaks TLS (tunnel "ssl").
 *
 * Results are plain structs owned by the caller; nothing needs freeing.
 */
#ifndef PORTIER_SVC_H
#define PORTIER_SVC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "portier/common.h"
#include "portier/probe.h" /* struct portier_probe_finding */

#define PORTIER_SVC_MAX_FINDINGS 6

/* One finding on one port: the kb-style judgement and this host's fact. */
struct portier_svc_finding {
	struct portier_probe_finding f; /* id, risk, why, advice (static) */
	char detail[160]; /* "USER anonymous accepted (230 Login successful)" */
};

/* What answers on a port. Strings are NUL-terminated, "" when unknown. */
struct portier_svc {
	char name[24];	     /* nmap's service name: "ftp", "ssh", "http" */
	char product[64];    /* "vsftpd", "OpenSSH", "nginx" */
	char version[48];    /* "3.0.3", "9.2p1 Debian 2+deb12u3" */
	char extrainfo[128]; /* "protocol 2.0", "Debian" */
	char ostype[24];     /* "Linux", "Unix", "Windows" */
	/* the text fingerprints are matched against (a module fills it when
	 * it recognises its protocol): the banner line, Server header, ... */
	char match_text[256];
	bool tunnel_ssl;    /* spoken inside TLS (nmap: tunnel="ssl") */
	bool probed;	    /* method="probed"; false: "table" (a guess) */
	unsigned char conf; /* nmap's confidence 0-10: 10 for a fingerprint
			      * match, 8 for a recognised protocol, 3 for the
			      * port table's name */
	size_t n_findings;
	struct portier_svc_finding findings[PORTIER_SVC_MAX_FINDINGS];
};

/*
 * Add a finding to s with a printf-style detail.  When s already holds
 * PORTIER_SVC_MAX_FINDINGS, the least severe one is replaced if f is worse;
 * the list stays ordered worst first.
 */
PORTIER_API void portier_svc_add_finding(struct portier_svc *s,
					 const struct portier_probe_finding *f,
					 const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A module's answer to what has arrived. */
enum portier_svc_verdict {
	PORTIER_SVC_MORE, /* need more bytes of this reply */
	PORTIER_SVC_SEND, /* send out[0..*out_len), then read the next reply */
	PORTIER_SVC_DONE, /* recognised: s is filled; the driver closes */
	PORTIER_SVC_NOT,  /* not this protocol */
};

/* One conversation's context, set by the driver, kept between steps. */
struct portier_svc_conv {
	const char *host; /* the target as the user named it, or its address
			   * as text (HTTP Host, TLS SNI); never NULL */
	uint16_t port;
	bool intrusive;	      /* --intrusive: a module may write (FTP STOR) */
	bool eof;	      /* no more bytes will come for this reply (the
			       * peer closed, or the read deadline passed):
			       * answer DONE or NOT, never MORE */
	unsigned step;	      /* the module's own counter: 0 at start, and
			       * only the module changes it */
	uint8_t scratch[128]; /* the module's state between steps */
};

/*
 * A protocol module.  The driver calls step() first with in = NULL, n = 0
 * for a client-first protocol, or with the banner bytes for a server-first
 * one; after every SEND it calls step() with the reply so far (the whole
 * reply accumulated since that send, at most PORTIER_SVC_REPLY_MAX bytes,
 * not just the newest read).  step() writes at most cap bytes to out.
 */
#define PORTIER_SVC_REPLY_MAX 16384
struct portier_svc_proto {
	const char *name;      /* "http", "redis": --probe names, output */
	const uint16_t *ports; /* where it is tried first (0-terminated) */
	unsigned char rarity;  /* 1-9 as nmap: tried elsewhere only when
				* --version-intensity >= rarity */
	bool server_first;     /* the server speaks first (ftp, ssh, smtp) */
	enum portier_svc_verdict (*step)(struct portier_svc_conv *c,
					 const uint8_t *in, size_t n,
					 uint8_t *out, size_t cap,
					 size_t *out_len,
					 struct portier_svc *s);
};

/* Every module, in the order the driver tries them on an unknown port. */
PORTIER_API extern const struct portier_svc_proto *const portier_svc_protos[];
PORTIER_API extern const size_t portier_svc_n_protos;

/* The module named name, or NULL. */
PORTIER_API const struct portier_svc_proto *
portier_svc_proto_find(const char *name);

#endif
