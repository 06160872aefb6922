/*
 * nft.c - portier's one driver of libnftables.  A script goes to the kernel
 * of the caller's network namespace through nft_run_cmd_from_buffer, which
 * parses all of it and sends it as one netlink batch, i.e. one transaction;
 * dry-run mode makes the same call a check that commits nothing.  Output
 * and errors are buffered inside the context and never printed.
 *
 * The one idea: every failure goes through failure(), so the firewall and
 * the guard report a missing privilege the same way (PORTIER_EPERM naming
 * CAP_NET_ADMIN, also when the kernel's message says something else but the
 * process plainly lacks the capability), a missing object as
 * PORTIER_ENOENT, and the rest as PORTIER_EIO with nftables' first line.
 *
 * libnftables (with libnftnl, libxtables and GMP) is loaded by the first
 * portier_nft_open (dynlib.h): the commands that never touch the firewall
 * do not pay for it.
 */
#include <nftables/libnftables.h>
#include <stdio.h>
#include <string.h>

#include <cap-ng.h>

#include "portier/dynlib.h"
#include "portier/nft.h"

static PORTIER_DLSYM_DEFINE(nft_ctx_buffer_error);
static PORTIER_DLSYM_DEFINE(nft_ctx_buffer_output);
static PORTIER_DLSYM_DEFINE(nft_ctx_free);
static PORTIER_DLSYM_DEFINE(nft_ctx_get_error_buffer);
static PORTIER_DLSYM_DEFINE(nft_ctx_get_output_buffer);
static PORTIER_DLSYM_DEFINE(nft_ctx_new);
static PORTIER_DLSYM_DEFINE(nft_ctx_output_set_flags);
static PORTIER_DLSYM_DEFINE(nft_ctx_set_dry_run);
static PORTIER_DLSYM_DEFINE(nft_run_cmd_from_buffer);

static const struct portier_dynsym nft_syms[] = {
	PORTIER_DLSYM(nft_ctx_buffer_error),
	PORTIER_DLSYM(nft_ctx_buffer_output),
	PORTIER_DLSYM(nft_ctx_free),
	PORTIER_DLSYM(nft_ctx_get_error_buffer),
	PORTIER_DLSYM(nft_ctx_get_output_buffer),
	PORTIER_DLSYM(nft_ctx_new),
	PORTIER_DLSYM(nft_ctx_output_set_flags),
	PORTIER_DLSYM(nft_ctx_set_dry_run),
	PORTIER_DLSYM(nft_run_cmd_from_buffer),
};

struct portier_nft {
	struct nft_ctx *ctx;
};

int portier_nft_open(struct portier_nft **out, struct portier_err *err)
{
	static struct portier_dynlib lib =
		PORTIER_DYNLIB_INIT("libnftables.so.1", "nftables support",
				    "libnftables1", nft_syms);
	struct portier_nft *n;
	int rc;

	*out = NULL;
	if ((rc = portier_dynlib_load(&lib, err)) < 0)
		return rc;
	n = portier_calloc(1, sizeof(*n));
	if (!n)
		return portier_err_set(err, PORTIER_ENOMEM,
				       "out of memory for an nftables context");
	n->ctx = sym_nft_ctx_new(NFT_CTX_DEFAULT);
	if (!n->ctx) {
		portier_free(n);
		return portier_err_set(err, PORTIER_ENOMEM,
				       "cannot create a libnftables context");
	}
	if (sym_nft_ctx_buffer_output(n->ctx) ||
	    sym_nft_ctx_buffer_error(n->ctx)) {
		portier_nft_close(n);
		return portier_err_set(err, PORTIER_ENOMEM,
				       "cannot buffer libnftables output");
	}
	*out = n;
	return 0;
}

void portier_nft_close(struct portier_nft *n)
{
	if (!n)
		return;
	if (n->ctx)
		sym_nft_ctx_free(n->ctx);
	portier_free(n);
}

/* libnftables' error text, first line, without its "Error: " prefix. */
static void first_error_line(const char *e, char *out, size_t len)
{
	size_t n;

	if (!e || !*e) {
		portier_strlcpy(out, "unknown error", len);
		return;
	}
	if (strncmp(e, "Error: ", 7) == 0)
		e += 7;
	n = strcspn(e, "\n");
	if (n >= len)
		n = len - 1;
	memcpy(out, e, n);
	out[n] = '\0';
}

static int failure(struct portier_nft *n, const char *doing,
		   struct portier_err *err)
{
	const char *all = sym_nft_ctx_get_error_buffer(n->ctx);
	char line[300];

	first_error_line(all, line, sizeof(line));
	if (!portier_nft_have_admin() ||
	    (all && strstr(all, "Operation not permitted"))) {
		portier_err_set(err, PORTIER_EPERM,
				"%s needs CAP_NET_ADMIN (%s)", doing, line);
		portier_err_hint(err, "run as root or with CAP_NET_ADMIN");
		return PORTIER_EPERM;
	}
	if (all && strstr(all, "No such file or directory"))
		return portier_err_set(err, PORTIER_ENOENT,
				       "nftables refused %s: %s", doing, line);
	return portier_err_set(err, PORTIER_EIO, "nftables refused %s: %s",
			       doing, line);
}

int portier_nft_run(struct portier_nft *n, const char *script, bool check_only,
		    const char *doing, struct portier_err *err)
{
	int rc;

	sym_nft_ctx_set_dry_run(n->ctx, check_only);
	sym_nft_ctx_output_set_flags(n->ctx, 0);
	rc = sym_nft_run_cmd_from_buffer(n->ctx, script);
	sym_nft_ctx_set_dry_run(n->ctx, false);
	return rc != 0 ? failure(n, doing, err) : 0;
}

int portier_nft_list(struct portier_nft *n, const char *cmd,
		     enum portier_nft_format how, char **out,
		     struct portier_err *err)
{
	unsigned flags = 0;
	const char *text;

	*out = NULL;
	if (how == PORTIER_NFT_STATELESS)
		flags = NFT_CTX_OUTPUT_STATELESS;
	else if (how == PORTIER_NFT_JSON)
		flags = NFT_CTX_OUTPUT_JSON;
	sym_nft_ctx_output_set_flags(n->ctx, flags);
	if (sym_nft_run_cmd_from_buffer(n->ctx, cmd) != 0)
		return failure(n, "reading the ruleset", err);
	text = sym_nft_ctx_get_output_buffer(n->ctx);
	*out = portier_strdup(text ? text : "");
	if (!*out)
		return portier_err_set(err, PORTIER_ENOMEM, "out of memory");
	return 0;
}

/* Is "table FAMILY NAME" a whole line of text? */
static bool table_line(const char *text, const char *want)
{
	size_t wl = strlen(want);
	const char *p = text;

	while ((p = strstr(p, want)) != NULL) {
		char after = p[wl];

		if ((p == text || p[-1] == '\n') &&
		    (after == '\n' || after == '\0' || after == ' '))
			return true;
		p += wl;
	}
	return false;
}

int portier_nft_has_table(struct portier_nft *n, const char *family,
			  const char *name, bool *present,
			  struct portier_err *err)
{
	char cmd[64], want[160];
	char *tables;
	int rc;

	*present = false;
	snprintf(cmd, sizeof(cmd), "list tables %s", family);
	snprintf(want, sizeof(want), "table %s %s", family, name);
	rc = portier_nft_list(n, cmd, PORTIER_NFT_TEXT, &tables, err);
	if (rc < 0)
		return rc;
	*present = table_line(tables, want);
	portier_free(tables);
	return 0;
}

bool portier_nft_have_admin(void)
{
	capng_get_caps_process();
	return capng_have_capability(CAPNG_EFFECTIVE, CAP_NET_ADMIN) != 0;
}
