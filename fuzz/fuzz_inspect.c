/*
 * Fuzz the parsers inspect runs on files an attacker may have written:
 * crontab lines, systemd unit lines, authorized_keys options, dpkg .list
 * and .md5sums text, and the matcher.  The first byte picks the parser;
 * the rest is given without a terminating NUL, so a read past the end is
 * caught.
 */
#include <stdlib.h>
#include <string.h>

#include "inspect/inspect_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct inspect_needles n = {.path = "/tmp/.x/sk",
						 .alias = "/usr/tmp/.x/sk",
						 .name = "sk",
						 .sha256 = "49cacb9f",
						 .dir = "/tmp/.x/"};
	struct inspect_cron c;
	struct inspect_unit_kv kv;
	const char *v;
	size_t vl, len;
	char *text, hex[33];

	if (size < 1)
		return 0;
	len = size - 1;
	text = malloc(len ? len : 1);
	if (!text)
		return 0;
	memcpy(text, data + 1, len);
	switch (data[0] % 6) {
	case 0:
		if (inspect_cron_parse(text, len, data[0] & 8, &c) == 1 &&
		    (c.cmd < text || c.cmd + c.cmd_len > text + len))
			abort();
		break;
	case 1:
		if (inspect_unit_parse(text, len, &kv) == 1 &&
		    kv.val + kv.val_len > text + len)
			abort();
		break;
	case 2:
		if (inspect_ssh_command(text, len, &v, &vl) &&
		    v + vl > text + len)
			abort();
		break;
	case 3:
		portier_dpkg_list_has(text, len, "/usr/bin/sk");
		break;
	case 4:
		if (portier_dpkg_md5sums_find(text, len, "/usr/bin/sk", hex) &&
		    strlen(hex) != 32)
			abort();
		break;
	default:
		inspect_match(text, len, &n);
		break;
	}
	free(text);
	return 0;
}
