/*
 * backend_nft.c - the libnftables back-end: portier's scripts go to the
 * kernel of the caller's network namespace through nft_run_cmd_from_buffer,
 * which parses a whole script and sends it as one netlink batch, i.e. one
 * transaction.  Output and errors are buffered inside the context, never
 * printed, and handed back in struct portier_err.
 *
 * Whether portier's table exists is asked with "list tables inet" rather
 * than by parsing the error of "list table" (whose wording is not an API).
 */
#include <nftables/libnftables.h>
#include <stdio.h>
#include <string.h>

#include <cap-ng.h>

#include "fw/fw_int.h"

static int nft_open(void **ctx, struct portier_err *err)
{
	struct nft_ctx *nft = nft_ctx_new(NFT_CTX_DEFAULT);

	if (!nft)
		return portier_err_set(err, PORTIER_ENOMEM,
				       "cannot create a libnftables context");
	if (nft_ctx_buffer_output(nft) || nft_ctx_buffer_error(nft)) {
		nft_ctx_free(nft);
		return portier_err_set(err, PORTIER_ENOMEM,
				       "cannot buffer libnftables output");
	}
	*ctx = nft;
	return 0;
}

static void nft_close(void *ctx)
{
	if (ctx)
		nft_ctx_free(ctx);
}

/* libnftables' error text, first line, without "Error: " noise. */
static void first_error_line(struct nft_ctx *nft, char *out, size_t len)
{
	const char *e = nft_ctx_get_error_buffer(nft);
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

static int failure(struct nft_ctx *nft, const char *doing,
		   struct portier_err *err)
{
	char line[300];
	const char *all = nft_ctx_get_error_buffer(nft);

	first_error_line(nft, line, sizeof(line));
	if (!portier_fw_have_admin() ||
	    (all && strstr(all, "Operation not permitted"))) {
		portier_err_set(err, PORTIER_EPERM,
				"%s needs CAP_NET_ADMIN (%s)", doing, line);
		portier_err_hint(err, "run as root, e.g. sudo portier "
				      "firewall ...; --dry-run shows the "
				      "script without privileges");
		return PORTIER_EPERM;
	}
	portier_err_set(err, PORTIER_EIO, "nftables refused %s: %s", doing,
			line);
	return PORTIER_EIO;
}

static int nft_run(void *ctx, const char *script, bool check_only,
		   struct portier_err *err)
{
	struct nft_ctx *nft = ctx;
	int rc;

	nft_ctx_set_dry_run(nft, check_only);
	nft_ctx_output_set_flags(nft, 0);
	rc = nft_run_cmd_from_buffer(nft, script);
	nft_ctx_set_dry_run(nft, false);
	if (rc != 0)
		return failure(nft,
			       check_only ? "the check of the script"
					  : "the script",
			       err);
	return 0;
}

static int run_list(struct nft_ctx *nft, const char *cmd, unsigned flags,
		    char **out, struct portier_err *err)
{
	const char *text;

	nft_ctx_output_set_flags(nft, flags);
	if (nft_run_cmd_from_buffer(nft, cmd) != 0)
		return failure(nft, "reading the ruleset", err);
	text = nft_ctx_get_output_buffer(nft);
	*out = portier_strdup(text ? text : "");
	if (!*out)
		return portier_err_set(err, PORTIER_ENOMEM, "out of memory");
	return 0;
}

/* Is "table inet portier" a line of text? */
static bool has_table(const char *text)
{
	static const char want[] = "table inet " PORTIER_FW_TABLE;
	const char *p = text;

	while ((p = strstr(p, want)) != NULL) {
		char after = p[sizeof(want) - 1];

		if ((p == text || p[-1] == '\n') &&
		    (after == '\n' || after == '\0' || after == ' '))
			return true;
		p += sizeof(want) - 1;
	}
	return false;
}

static int nft_list(void *ctx, enum portier_fw_listing how, char **out,
		    struct portier_err *err)
{
	struct nft_ctx *nft = ctx;
	unsigned flags = 0;
	char *tables;
	bool present;
	int rc;

	rc = run_list(nft, "list tables inet", 0, &tables, err);
	if (rc < 0)
		return rc;
	present = has_table(tables);
	portier_free(tables);
	if (!present) {
		*out = portier_strdup("");
		return *out ? 0
			    : portier_err_set(err, PORTIER_ENOMEM,
					      "out of memory");
	}
	if (how == PORTIER_FW_LIST_STATELESS)
		flags = NFT_CTX_OUTPUT_STATELESS;
	else if (how == PORTIER_FW_LIST_JSON)
		flags = NFT_CTX_OUTPUT_JSON;
	return run_list(nft, "list table inet " PORTIER_FW_TABLE, flags, out,
			err);
}

const struct portier_fw_backend portier_fw_nft = {
	.name = "libnftables",
	.open = nft_open,
	.close = nft_close,
	.run = nft_run,
	.list = nft_list,
};

bool portier_fw_have_admin(void)
{
	capng_get_caps_process();
	return capng_have_capability(CAPNG_EFFECTIVE, CAP_NET_ADMIN) != 0;
}
