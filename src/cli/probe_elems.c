/*
 * probe_elems.c - a probe's JSON object as the structured part of an nmap
 * XML host script (out.h's flat list of <table> and <elem>): an object
 * member becomes <elem key=...> or, when it is an object or a list, a
 * <table key=...>; a list's items have no key; null members are left out,
 * as nmap leaves out nil.  So -oX carries the same facts as -oJ, under the
 * same names.  Every key and value is cleaned for one line of a file
 * format (control characters as '?').
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cli/probe_out.h"

#define NO_TEXT	  SIZE_MAX
#define MAX_DEPTH 16 /* deeper parts are left out */

/* While building, keys and values are offsets into the text buffer (it
 * moves as it grows); they become pointers at the end. */
struct part {
	unsigned depth;
	size_t key, val;
};

struct build {
	struct probe_out_elems *e;
	struct part *parts;
	size_t n, cap;
	int rc;
};

/* Append the cleaned s with its NUL: its offset, or NO_TEXT (for s NULL,
 * or when memory ran out: b->rc says which). */
static size_t put_text(struct build *b, const char *s)
{
	struct probe_out_elems *e = b->e;
	size_t need, off = e->text_len;

	if (!s)
		return NO_TEXT;
	need = portier_text_clean(NULL, 0, s, PORTIER_TEXT_LINE) + 1;
	if (portier_grow(&e->text, &e->text_cap, e->text_len + need, 1, 1024) <
	    0) {
		b->rc = PORTIER_ENOMEM;
		return NO_TEXT;
	}
	portier_text_clean(e->text + off, need, s, PORTIER_TEXT_LINE);
	e->text_len += need;
	return off;
}

static void add(struct build *b, unsigned depth, const char *key,
		const char *value)
{
	struct part *p;

	if (b->rc < 0)
		return;
	if (portier_grow(&b->parts, &b->cap, b->n + 1, sizeof(*b->parts), 32) <
	    0) {
		b->rc = PORTIER_ENOMEM;
		return;
	}
	p = &b->parts[b->n];
	p->depth = depth;
	p->key = put_text(b, key);
	p->val = put_text(b, value);
	if (b->rc == 0)
		b->n++;
}

static void walk(struct build *b, unsigned depth, const char *key, json_t *v)
{
	char num[64];
	const char *k;
	json_t *item;
	size_t i;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
	case JSON_ARRAY:
		if (depth >= MAX_DEPTH)
			return;
		add(b, depth, key, NULL);
		if (json_is_object(v)) {
			json_object_foreach(v, k, item)
				walk(b, depth + 1, k, item);
		} else {
			json_array_foreach(v, i, item)
				walk(b, depth + 1, NULL, item);
		}
		return;
	case JSON_STRING:
		add(b, depth, key, json_string_value(v));
		return;
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
			 json_integer_value(v));
		break;
	case JSON_REAL:
		snprintf(num, sizeof(num), "%.4g", json_real_value(v));
		break;
	case JSON_TRUE:
		snprintf(num, sizeof(num), "true");
		break;
	case JSON_FALSE:
		snprintf(num, sizeof(num), "false");
		break;
	default: /* null: nothing, as nmap shows nothing for nil */
		return;
	}
	add(b, depth, key, num);
}

int probe_out_elems_from_json(json_t *o, const char *const *names, bool only,
			      struct probe_out_elems *e)
{
	struct build b = {.e = e};
	const char *k;
	json_t *v;
	size_t i;

	memset(e, 0, sizeof(*e));
	if (!json_is_object(o))
		return PORTIER_EINVAL;
	json_object_foreach(o, k, v)
	{
		const char *const *s;

		for (s = names; s && *s && strcmp(*s, k) != 0; s++)
			;
		if ((s && *s) == only)
			walk(&b, 0, k, v);
	}
	if (b.rc == 0 && b.n)
		e->el = portier_calloc(b.n, sizeof(*e->el));
	if (b.rc == 0 && b.n && !e->el)
		b.rc = PORTIER_ENOMEM;
	for (i = 0; b.rc == 0 && i < b.n; i++) {
		const struct part *p = &b.parts[i];

		e->el[i].depth = p->depth;
		e->el[i].key = p->key == NO_TEXT ? NULL : e->text + p->key;
		e->el[i].value = p->val == NO_TEXT ? NULL : e->text + p->val;
	}
	e->n = b.rc == 0 ? b.n : 0;
	portier_free(b.parts);
	if (b.rc < 0)
		probe_out_elems_free(e);
	return b.rc;
}

void probe_out_elems_free(struct probe_out_elems *e)
{
	portier_free(e->el);
	portier_free(e->text);
	memset(e, 0, sizeof(*e));
}
