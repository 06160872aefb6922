/*
 * counters.c - how many packets portier's rules have dropped, read from
 * the counters in the JSON listing of its table, for `status`.
 *
 * A rule is recognised by the set it matches (@close_tcp, @from2_udp) or,
 * for allow-only's last rule, by being nothing but "counter drop"; rules
 * without a counter are skipped.  Counters start at zero whenever the table
 * is replaced, i.e. at every change portier applies.
 */
#include <jansson.h>
#include <string.h>

#include "fw/fw_int.h"

/* The "@set" a rule matches against, or NULL. */
static const char *set_of(json_t *expr)
{
	json_t *e;
	size_t i;

	json_array_foreach(expr, i, e)
	{
		const char *right = json_string_value(
			json_object_get(json_object_get(e, "match"), "right"));

		if (right && right[0] == '@')
			return right + 1;
	}
	return NULL;
}

static bool matches_invalid(json_t *expr)
{
	json_t *e;
	size_t i;

	json_array_foreach(expr, i, e)
	{
		json_t *m = json_object_get(e, "match");
		const char *right =
			json_string_value(json_object_get(m, "right"));
		json_t *ct = json_object_get(json_object_get(m, "left"), "ct");

		if (ct && right && strcmp(right, "invalid") == 0)
			return true;
	}
	return false;
}

static void count_rule(json_t *rule, struct portier_fw_counters *c)
{
	json_t *expr = json_object_get(rule, "expr"), *e, *counter = NULL;
	const char *set;
	uint64_t packets;
	size_t i;

	if (!json_is_array(expr))
		return;
	json_array_foreach(expr, i, e) if (json_object_get(e, "counter"))
		counter = json_object_get(e, "counter");
	if (!counter)
		return;
	packets = (uint64_t)json_integer_value(
		json_object_get(counter, "packets"));
	set = set_of(expr);
	if (set && strcmp(set, FW_SET_CLOSE "tcp") == 0)
		c->close[PORTIER_FW_TCP] += packets;
	else if (set && strcmp(set, FW_SET_CLOSE "udp") == 0)
		c->close[PORTIER_FW_UDP] += packets;
	else if (set && strncmp(set, FW_SET_FROM, strlen(FW_SET_FROM)) == 0)
		c->from += packets;
	else if (!set && matches_invalid(expr))
		c->invalid += packets;
	else if (!set && json_array_size(expr) == 2)
		c->not_allowed += packets; /* "counter drop" */
}

int portier_fw_counters_from_json(const char *json,
				  struct portier_fw_counters *c,
				  struct portier_err *err)
{
	json_error_t jerr;
	json_t *root, *list, *item;
	size_t i;

	memset(c, 0, sizeof(*c));
	if (!json || !*json)
		return 0;
	root = json_loads(json, 0, &jerr);
	list = json_object_get(root, "nftables");
	if (!json_is_array(list)) {
		json_decref(root);
		return portier_err_set(err, PORTIER_EPROTO,
				       "cannot read nftables' JSON listing");
	}
	json_array_foreach(list, i, item)
	{
		json_t *rule = json_object_get(item, "rule");

		if (rule)
			count_rule(rule, c);
	}
	json_decref(root);
	return 0;
}
