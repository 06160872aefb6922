/*
 * readback.c - the policy now in the kernel, read from the JSON listing of
 * portier's table (libnftables' JSON output, schema version 1).
 *
 * Only the sets and the chain's policy carry information: the rules are
 * derived from them by render.c, so they are not parsed here; that each
 * rule in the kernel is one render.c writes for this policy is checked by
 * portier_fw_current (rulecheck.c), on the kernel's nft text listing.  The kernel is the
 * one source of truth (a reboot empties it, and so portier's policy), which
 * is why no policy file is kept.  Anything in the table that portier does
 * not write - a set with another name, another chain, a map - is reported
 * rather than skipped, because the next apply replaces the table and would
 * silently throw it away.
 */
#include <jansson.h>
#include <string.h>
#include <sys/socket.h>

#include "fw/fw_int.h"

static int bad(struct portier_err *err, const char *what, const char *name)
{
	portier_err_set(err, PORTIER_EPROTO,
			"table inet " PORTIER_FW_TABLE
			" holds %s '%s' that portier did not write",
			what, name);
	portier_err_hint(err, "someone changed portier's table by hand; see "
			      "'nft list table inet " PORTIER_FW_TABLE "', "
			      "move such rules to a table of your own");
	return PORTIER_EPROTO;
}

static int port_of(json_t *v, uint16_t *port)
{
	json_int_t n;

	if (!json_is_integer(v))
		return PORTIER_EPROTO;
	n = json_integer_value(v);
	if (n < 0 || n > 65535)
		return PORTIER_EPROTO;
	*port = (uint16_t)n;
	return 0;
}

/* One element: 445, {"range": [137, 139]}, or {"elem": {"val": ...}}. */
static int add_elem(struct portier_fw_portset *s, json_t *e)
{
	json_t *inner;
	uint16_t lo, hi;

	if ((inner = json_object_get(e, "elem")) != NULL)
		return add_elem(s, json_object_get(inner, "val"));
	if ((inner = json_object_get(e, "range")) != NULL) {
		if (!json_is_array(inner) || json_array_size(inner) != 2 ||
		    port_of(json_array_get(inner, 0), &lo) < 0 ||
		    port_of(json_array_get(inner, 1), &hi) < 0 || lo > hi)
			return PORTIER_EPROTO;
	} else if (port_of(e, &lo) == 0) {
		hi = lo;
	} else {
		return PORTIER_EPROTO;
	}
	return portier_fw_portset_add(s, lo, hi);
}

static int read_elems(struct portier_fw_portset *s, json_t *set,
		      const char *name, struct portier_err *err)
{
	json_t *elems = json_object_get(set, "elem"), *e;
	size_t i;

	if (!elems)
		return 0; /* an empty set */
	if (!json_is_array(elems))
		return bad(err, "an element list in set", name);
	json_array_foreach(elems, i, e)
	{
		int rc = add_elem(s, e);

		if (rc == PORTIER_ENOMEM)
			return portier_err_set(err, rc, "out of memory");
		if (rc < 0)
			return bad(err, "an element in set", name);
	}
	return 0;
}

/* "tcp" -> PORTIER_FW_TCP; -1 for anything else. */
static int proto_of(const char *s)
{
	if (strcmp(s, "tcp") == 0)
		return PORTIER_FW_TCP;
	if (strcmp(s, "udp") == 0)
		return PORTIER_FW_UDP;
	return -1;
}

static int read_from_set(struct portier_fw_policy *p, json_t *set,
			 const char *name, int proto, struct portier_err *err)
{
	struct portier_fw_spec spec = {0};
	struct portier_fw_source src;
	const char *comment =
		json_string_value(json_object_get(set, "comment"));
	int rc;

	if (!comment || portier_fw_source_parse(comment, &src, NULL) < 0)
		return bad(err, "a source set without a prefix comment", name);
	rc = read_elems(&spec.ports[proto], set, name, err);
	if (rc == 0)
		rc = portier_fw_policy_close(p, &spec, &src, err);
	portier_fw_spec_free(&spec);
	return rc;
}

/* keep_v4/keep_v6 elements: {"concat": ["198.19.1.1", 50000, 9000]} */
static int read_keep_set(struct portier_fw_policy *p, json_t *set,
			 const char *name, int family, struct portier_err *err)
{
	json_t *elems = json_object_get(set, "elem"), *e;
	struct portier_fw_conn *arr;
	size_t i;

	if (!elems)
		return 0;
	if (!json_is_array(elems))
		return bad(err, "an element list in set", name);
	arr = portier_realloc(p->keep, (p->n_keep + json_array_size(elems)) *
					       sizeof(*arr));
	if (!arr)
		return portier_err_set(err, PORTIER_ENOMEM, "out of memory");
	p->keep = arr;
	json_array_foreach(elems, i, e)
	{
		json_t *cat =
			json_object_get(e, "elem")
				? json_object_get(json_object_get(e, "elem"),
						  "val")
				: e;
		json_t *parts = json_object_get(cat, "concat");
		struct portier_fw_conn *c = &p->keep[p->n_keep];
		const char *addr;

		memset(c, 0, sizeof(*c));
		if (!json_is_array(parts) || json_array_size(parts) != 3 ||
		    !(addr = json_string_value(json_array_get(parts, 0))) ||
		    portier_addr_parse(addr, &c->peer) < 0 ||
		    portier_addr_af(c->peer.family) != family ||
		    port_of(json_array_get(parts, 1), &c->rport) < 0 ||
		    port_of(json_array_get(parts, 2), &c->lport) < 0)
			return bad(err, "an element in set", name);
		p->n_keep++;
	}
	fw_conns_sort(p->keep, &p->n_keep);
	return 0;
}

static int read_set(struct portier_fw_policy *p, json_t *set,
		    struct portier_err *err)
{
	const char *name = json_string_value(json_object_get(set, "name"));
	const char *us;
	int proto;

	if (!name)
		return bad(err, "a set", "(no name)");
	if (strcmp(name, FW_SET_KEEP "v4") == 0)
		return read_keep_set(p, set, name, AF_INET, err);
	if (strcmp(name, FW_SET_KEEP "v6") == 0)
		return read_keep_set(p, set, name, AF_INET6, err);
	us = strrchr(name, '_');
	proto = us ? proto_of(us + 1) : -1;
	if (proto < 0)
		return bad(err, "set", name);
	if (strncmp(name, FW_SET_CLOSE, strlen(FW_SET_CLOSE)) == 0 &&
	    us == name + strlen(FW_SET_CLOSE) - 1)
		return read_elems(&p->close[proto], set, name, err);
	if (strncmp(name, FW_SET_ALLOW, strlen(FW_SET_ALLOW)) == 0 &&
	    us == name + strlen(FW_SET_ALLOW) - 1)
		return read_elems(&p->allow[proto], set, name, err);
	if (strncmp(name, FW_SET_FROM, strlen(FW_SET_FROM)) == 0)
		return read_from_set(p, set, name, proto, err);
	return bad(err, "set", name);
}

static int read_chain(struct portier_fw_policy *p, json_t *chain,
		      struct portier_err *err)
{
	const char *name = json_string_value(json_object_get(chain, "name"));
	const char *policy;

	if (!name || strcmp(name, FW_CHAIN) != 0)
		return bad(err, "chain", name ? name : "(no name)");
	policy = json_string_value(json_object_get(chain, "policy"));
	p->allow_only = policy && strcmp(policy, "drop") == 0;
	return 0;
}

int portier_fw_policy_from_json(const char *json, struct portier_fw_policy *p,
				struct portier_err *err)
{
	json_error_t jerr;
	json_t *root, *list, *item;
	size_t i;
	int rc = 0;

	memset(p, 0, sizeof(*p));
	if (!json || !*json)
		return 0;
	root = json_loads(json, 0, &jerr);
	if (!root) {
		portier_err_set(err, PORTIER_EPROTO,
				"cannot read nftables' JSON listing: %s (line "
				"%d)",
				jerr.text, jerr.line);
		return PORTIER_EPROTO;
	}
	list = json_object_get(root, "nftables");
	if (!json_is_array(list)) {
		json_decref(root);
		return portier_err_set(err, PORTIER_EPROTO,
				       "nftables' JSON listing has no "
				       "\"nftables\" array");
	}
	json_array_foreach(list, i, item)
	{
		const char *key;
		json_t *obj;

		json_object_foreach(item, key, obj)
		{
			if (strcmp(key, "metainfo") == 0 ||
			    strcmp(key, "table") == 0 ||
			    strcmp(key, "rule") == 0)
				continue;
			if (strcmp(key, "set") == 0)
				rc = read_set(p, obj, err);
			else if (strcmp(key, "chain") == 0)
				rc = read_chain(p, obj, err);
			else
				rc = bad(err, "an object of kind", key);
			if (rc < 0)
				break;
		}
		if (rc < 0)
			break;
	}
	json_decref(root);
	if (rc < 0)
		portier_fw_policy_free(p);
	else if (!p->allow_only) {
		/* allow sets mean nothing without the default drop */
		portier_fw_portset_free(&p->allow[PORTIER_FW_TCP]);
		portier_fw_portset_free(&p->allow[PORTIER_FW_UDP]);
		portier_free(p->keep);
		p->keep = NULL;
		p->n_keep = 0;
	}
	return rc;
}
