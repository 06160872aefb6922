/* Fuzz the knowledge-base line parser (it reads users' overlay files). */
#include <stdlib.h>
#include <string.h>

#include "kb/kb_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = malloc(size + 1);
	struct portier_kb_entry e;
	struct portier_iana_entry ie;
	struct portier_err err;

	if (!line)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	kb_parse_entry_line(line, &e, &err);
	memcpy(line, data, size);
	line[size] = '\0';
	kb_parse_iana_line(line, &ie, &err);
	free(line);
	return 0;
}
