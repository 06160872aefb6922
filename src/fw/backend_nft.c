/*
 * backend_nft.c - the firewall's back-end on the kernel: struct
 * portier_fw_backend over portier's one nftables driver (src/nft/nft.c),
 * which runs each script as one transaction and maps nftables' failures.
 * What is left here is the firewall's view: its table by name, "" when the
 * table is absent, and its hint when privilege is missing.
 */
#include "fw/fw_int.h"
#include "portier/nft.h"

static int fw_nft_open(void **ctx, struct portier_err *err)
{
	struct portier_nft *n;
	int rc = portier_nft_open(&n, err);

	if (rc < 0)
		return rc;
	*ctx = n;
	return 0;
}

static void fw_nft_close(void *ctx)
{
	portier_nft_close(ctx);
}

/*
 * The firewall's own words on a failure: how to get the privilege, or
 * --dry-run without it.  A missing object in a script portier wrote is a
 * failed run (exit 3), not the user's bad input, so it stays PORTIER_EIO.
 */
static int fw_failure(int rc, struct portier_err *err)
{
	if (rc == PORTIER_EPERM)
		portier_err_hint(err, "run as root, e.g. sudo portier "
				      "firewall ...; --dry-run shows the "
				      "script without privileges");
	if (rc == PORTIER_ENOENT) {
		if (err)
			err->code = PORTIER_EIO;
		return PORTIER_EIO;
	}
	return rc;
}

static int fw_nft_run(void *ctx, const char *script, bool check_only,
		      struct portier_err *err)
{
	int rc = portier_nft_run(
		ctx, script, check_only,
		check_only ? "the check of the script" : "the script", err);

	return rc < 0 ? fw_failure(rc, err) : 0;
}

static int fw_nft_list(void *ctx, enum portier_fw_listing how, char **out,
		       struct portier_err *err)
{
	static const enum portier_nft_format fmt[] = {
		[PORTIER_FW_LIST_TEXT] = PORTIER_NFT_TEXT,
		[PORTIER_FW_LIST_STATELESS] = PORTIER_NFT_STATELESS,
		[PORTIER_FW_LIST_JSON] = PORTIER_NFT_JSON,
	};
	bool present;
	int rc;

	*out = NULL;
	rc = portier_nft_has_table(ctx, "inet", PORTIER_FW_TABLE, &present,
				   err);
	if (rc < 0)
		return fw_failure(rc, err);
	if (!present) {
		*out = portier_strdup("");
		return *out ? 0
			    : portier_err_set(err, PORTIER_ENOMEM,
					      "out of memory");
	}
	rc = portier_nft_list(ctx, "list table inet " PORTIER_FW_TABLE,
			      fmt[how], out, err);
	return rc < 0 ? fw_failure(rc, err) : 0;
}

const struct portier_fw_backend portier_fw_nft = {
	.name = "libnftables",
	.open = fw_nft_open,
	.close = fw_nft_close,
	.run = fw_nft_run,
	.list = fw_nft_list,
};
