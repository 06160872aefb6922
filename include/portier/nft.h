/*
 * nft.h - the one way portier talks to nftables: a libnftables context of
 * the caller's network namespace that runs a script as one transaction
 * (optionally only checking it, like nft -c) and lists objects as text or
 * JSON, with one mapping of libnftables' failures to portier error codes.
 *
 * Both the firewall (`inet portier`, through struct portier_fw_backend)
 * and the guard (`inet portier_guard`) sit on it; what their tables hold is
 * their own business.  Output and errors stay inside the context, nothing
 * is printed.
 */
#ifndef PORTIER_NFT_H
#define PORTIER_NFT_H

#include "portier/common.h"

struct portier_nft;

/* Listing formats. */
enum portier_nft_format {
	PORTIER_NFT_TEXT,      /* nft syntax, with counters */
	PORTIER_NFT_STATELESS, /* nft syntax, without counter values */
	PORTIER_NFT_JSON,      /* nft -j */
};

/* A context; freed with portier_nft_close.  PORTIER_ENOMEM. */
PORTIER_API int portier_nft_open(struct portier_nft **out,
				 struct portier_err *err);
PORTIER_API void portier_nft_close(struct portier_nft *n);

/*
 * Run script (nft syntax, any number of lines) as one netlink batch: all
 * of it or nothing.  check_only validates it against the kernel and
 * commits nothing.  doing names the step for the error message, as a noun
 * phrase ("adding a block to table inet portier_guard").  Errors, with the
 * first line of nftables' message quoted:
 *   PORTIER_EPERM   the process lacks CAP_NET_ADMIN, or the kernel said
 *                   "Operation not permitted"; the message names
 *                   CAP_NET_ADMIN
 *   PORTIER_ENOENT  an object the script names does not exist
 *   PORTIER_EIO     anything else nftables refused
 */
PORTIER_API int portier_nft_run(struct portier_nft *n, const char *script,
				bool check_only, const char *doing,
				struct portier_err *err);

/*
 * Run a list command (e.g. "list table inet portier") and hand its output
 * in format how as *out (caller frees with portier_free).  Errors as for
 * portier_nft_run (PORTIER_ENOENT: no such table, set or chain).
 */
PORTIER_API int portier_nft_list(struct portier_nft *n, const char *cmd,
				 enum portier_nft_format how, char **out,
				 struct portier_err *err);

/*
 * Does "table FAMILY NAME" exist?  Asked with "list tables FAMILY" rather
 * than by reading the error of a listing (its wording is not an API).
 */
PORTIER_API int portier_nft_has_table(struct portier_nft *n, const char *family,
				      const char *name, bool *present,
				      struct portier_err *err);

/*
 * A string that grows, for building scripts; start it zeroed.  Failure to
 * grow is sticky: appends do nothing after it and _take returns NULL.
 */
struct portier_nft_buf {
	char *s;
	size_t len, cap;
	bool oom;
};

PORTIER_API void portier_nft_buf_printf(struct portier_nft_buf *b,
					const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
PORTIER_API void portier_nft_buf_puts(struct portier_nft_buf *b, const char *s);
/* Hand over the string (caller frees with portier_free), or NULL after an
 * allocation failed (the buffer is freed either way). */
PORTIER_API char *portier_nft_buf_take(struct portier_nft_buf *b);
PORTIER_API void portier_nft_buf_free(struct portier_nft_buf *b);

/* Does this process hold CAP_NET_ADMIN (needed to read or change rules)? */
PORTIER_API bool portier_nft_have_admin(void);

#endif
