/*
 * table.c - aligned text tables for terminal output.  Rows are kept until
 * printing because a column's width is known only after the last row; the
 * commands that can produce very many rows (scan) stream instead.
 */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

struct cli_table {
	size_t ncols, nrows, cap;
	char **cells; /* nrows * ncols, row-major; row 0 is the header */
};

/* Display width of a UTF-8 string (code points; no wide characters here). */
static size_t text_width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

struct cli_table *cli_table_new(size_t ncols, const char *const *headers)
{
	struct cli_table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->ncols = ncols;
	if (cli_table_add(t, headers) < 0) {
		free(t);
		return NULL;
	}
	return t;
}

int cli_table_add(struct cli_table *t, const char *const *cells)
{
	size_t i;

	if (t->nrows == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		char **grown =
			realloc(t->cells, cap * t->ncols * sizeof(char *));

		if (!grown)
			return PORTIER_ENOMEM;
		t->cells = grown;
		t->cap = cap;
	}
	for (i = 0; i < t->ncols; i++) {
		char *copy = strdup(cells[i] ? cells[i] : "");

		if (!copy) {
			while (i-- > 0)
				free(t->cells[t->nrows * t->ncols + i]);
			return PORTIER_ENOMEM;
		}
		t->cells[t->nrows * t->ncols + i] = copy;
	}
	t->nrows++;
	return 0;
}

void cli_table_print(const struct cli_table *t, FILE *f)
{
	size_t *width = calloc(t->ncols, sizeof(*width));
	size_t r, c;

	if (!width)
		return;
	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			size_t w = text_width(t->cells[r * t->ncols + c]);

			if (w > width[c])
				width[c] = w;
		}
	}
	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			const char *cell = t->cells[r * t->ncols + c];

			fputs(cell, f);
			if (c + 1 < t->ncols)
				fprintf(f, "%*s",
					(int)(width[c] - text_width(cell) + 2),
					"");
		}
		fputc('\n', f);
	}
	free(width);
}

void cli_table_free(struct cli_table *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}
