/*
 * svc_run.h - the network side of service detection (`portier scan -sV`)
 * and the fingerprints that name products: what svc.h's pure modules need
 * around them.
 *
 *  - Fingerprints: data/services (its header says the format), built into
 *    portier as text and parsed at run time with POSIX extended regular
 *    expressions.  An entry names a service, a pattern over the text a
 *    module put in match_text, and product, version, extra information and
 *    OS templates with $1..$9 standing for the pattern's groups.
 *  - The byte seam (struct portier_svc_io): everything the driver reads
 *    from or writes to a port passes through one of these.  The plain one
 *    is the TCP socket; a TLS layer wraps it and hands the driver another
 *    io whose bytes are the decrypted ones.
 *  - The driver (portier_svc_run): one address and port, every wait bounded.
 */
#ifndef PORTIER_SVC_RUN_H
#define PORTIER_SVC_RUN_H

#include "portier/addr.h"
#include "portier/kb.h"
#include "portier/svc.h"
#include "portier/tls.h"

/* ---- fingerprints ------------------------------------------------------- */

struct portier_svc_fps;

/* One entry as read (strings owned by the set; "" for an empty field). */
struct portier_svc_fp {
	char *service; /* "ftp", "ssh", "http" */
	char *pattern; /* the regular expression as written */
	char *product, *version, *extrainfo, *ostype; /* templates */
	char *example; /* a match_text the pattern must match */
	unsigned line; /* where it was read */
};

/*
 * Parse a fingerprint file held in text (len bytes, need not end in NUL);
 * every pattern is compiled.  source names the file in errors:
 * PORTIER_EINVAL "SOURCE:LINE: reason".
 */
PORTIER_API int portier_svc_fps_parse(const char *text, size_t len,
				      const char *source,
				      struct portier_svc_fps **out,
				      struct portier_err *err);
/* The set built into portier (data/services at build time). */
PORTIER_API int portier_svc_fps_builtin(struct portier_svc_fps **out,
					struct portier_err *err);
PORTIER_API void portier_svc_fps_free(struct portier_svc_fps *fps);
PORTIER_API size_t portier_svc_fps_count(const struct portier_svc_fps *fps);
PORTIER_API const struct portier_svc_fp *
portier_svc_fp_at(const struct portier_svc_fps *fps, size_t i);

/*
 * Does entry i match text?  If so, fill s's product, version, extrainfo
 * and ostype from its templates (and name, when s has none) and return
 * true; s is untouched otherwise.
 */
PORTIER_API bool portier_svc_fp_match(const struct portier_svc_fps *fps,
				      size_t i, const char *text,
				      struct portier_svc *s);
/*
 * The first entry, in file order, for the module named module (any entry
 * when module is NULL or "") that matches s->match_text fills s as
 * portier_svc_fp_match does and sets conf 10.  Returns the entry's index,
 * or -1 when none matched.
 */
PORTIER_API long portier_svc_fps_apply(const struct portier_svc_fps *fps,
				       const char *module,
				       struct portier_svc *s);

/* What the port table alone says of port/proto: the knowledge base's
 * service name (or "unknown"), method "table" (probed false), conf 3; s is
 * cleared first.  For a port no module recognised, TCP or UDP. */
PORTIER_API void portier_svc_from_table(const struct portier_kb *kb,
					uint16_t port, unsigned proto,
					struct portier_svc *s);

/* ---- the byte seam ------------------------------------------------------ */

/*
 * Where a conversation's bytes go and come from.  Times are CLOCK_MONOTONIC
 * milliseconds (probe_now_ms).  send moves all len bytes before deadline
 * (0 or -errno, -ETIMEDOUT when time runs out); recv waits until deadline
 * for at least one byte and returns how many it put in buf (at most cap),
 * 0 when the peer has closed, -ETIMEDOUT at the deadline or another -errno.
 * A TLS layer implements both over the io it wraps (ctx), so a module
 * never knows whether it speaks inside TLS.
 */
struct portier_svc_io {
	int (*send)(void *ctx, const uint8_t *buf, size_t len, long deadline);
	long (*recv)(void *ctx, uint8_t *buf, size_t cap, long deadline);
	/* called once before the socket under it is reset (a TLS layer frees
	 * its state here); NULL: nothing to do */
	void (*close)(void *ctx);
	void *ctx;
};

/* The plain io over a connected socket (ctx points at the fd). */
PORTIER_API void portier_svc_io_plain(struct portier_svc_io *io, int *fd);

/* ---- the driver --------------------------------------------------------- */

#define PORTIER_SVC_INTENSITY_DEFAULT 7
#define PORTIER_SVC_BANNER_MAX	      64 /* banner bytes kept for output */

struct portier_svc_opts {
	const char *host;    /* HTTP Host, TLS SNI; NULL: the address */
	unsigned intensity;  /* 0-9 (--version-intensity) */
	bool intrusive;	     /* --intrusive: modules may write */
	unsigned timeout_ms; /* connect and every reply; 0: 5000 */
	unsigned banner_ms;  /* the NULL probe's wait; 0: 3000 */
	unsigned total_ms;   /* everything on this port; 0: 30000 */
	/* --probe names: only these modules (NULL: choose as -sV does) */
	const struct portier_svc_proto *const *only;
	size_t n_only;
	const struct portier_svc_fps *fps; /* may be NULL */
	const struct portier_kb *kb;	   /* the port table's names */
	/* TLS (tunnel "ssl"): the shared client settings, or NULL for
	 * plain connections only.  With it, a port that usually speaks TLS
	 * (443, 465, 636, 993, 995, 8443, ...) is asked inside a handshake
	 * first, and any port no module recognised that sent no banner is
	 * tried once more inside TLS; the certificate is judged
	 * (portier_tls_judge) and summed up in an "ssl-cert" finding. */
	const struct portier_tls_ctx *tls;
};

/* What the driver learned besides s (for output and tests). */
struct portier_svc_report {
	char banner[PORTIER_TEXT_MAX(PORTIER_SVC_BANNER_MAX)]; /* escaped */
	const char *module;   /* the module that recognised it, or NULL */
	unsigned connections; /* how many it opened */
	int error;	      /* the first connect failure (-errno), or 0 */
};

/*
 * Find out what answers on port of addr: connect (bounded by
 * opts->timeout_ms), wait up to opts->banner_ms for a banner, then run the
 * modules in order (opts->only as given; else, after a banner, the
 * server-first modules, those naming the port first; then the client-first
 * ones naming the port; then the other client-first ones as rare as
 * opts->intensity allows),
 * each on the banner's connection when it is still fresh, else on a new
 * one; no wait goes past opts->total_ms from the start.  The first module
 * that says DONE wins; its match_text is looked up
 * in opts->fps.  When none does, s has the port table's name with conf 3
 * (method "table") and rep->banner the first bytes of any banner.
 * Returns 0 when the port was reached (s filled), or -errno of the first
 * connection (nothing is filled but rep->error).  An address
 * portier_addr_not_target refuses is PORTIER_EINVAL and nothing is sent.
 */
PORTIER_API int portier_svc_run(const struct portier_addr *addr, uint16_t port,
				const struct portier_svc_opts *opts,
				struct portier_svc *s,
				struct portier_svc_report *rep);

#endif
