/*
 * kb.c - the knowledge base at run time: the built-in tables plus overlays.
 *
 * The built-in entries are a sorted const array compiled from data/; a
 * struct portier_kb is an array of pointers into it, with overlay entries
 * merged in (replacing built-in entries of the same port range and
 * protocol) and the whole re-sorted once.  Lookups are binary searches on
 * that array and on the IANA table, which never changes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kb/kb_data.h"
#include "kb/kb_parse.h"

struct overlay {
	char *text;   /* the file, split in place */
	char **names; /* first service names */
	struct portier_kb_entry *entries;
	size_t n;
};

struct portier_kb {
	const struct portier_kb_entry **entries;
	size_t n;
	struct overlay overlays[2];
	size_t n_overlays;
};

static int ptr_cmp(const void *a, const void *b)
{
	const struct portier_kb_entry *const *x = a, *const *y = b;

	return kb_entry_cmp(*x, *y);
}

static int read_file(const char *path, char **out, struct portier_err *err)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, cap = 0, got;
	int rc = 0;

	*out = NULL;
	if (!f)
		return errno == ENOENT ? PORTIER_ENOENT
				       : portier_err_set(err, -errno,
							 "cannot read '%s': %s",
							 path, strerror(errno));
	do {
		if (cap - len < 4096) {
			char *grown = portier_realloc(buf, cap + 65536);

			if (!grown) {
				rc = portier_err_set(
					err, PORTIER_ENOMEM,
					"out of memory reading '%s'", path);
				goto out_close;
			}
			buf = grown;
			cap += 65536;
		}
		got = fread(buf + len, 1, cap - len - 1, f);
		len += got;
	} while (got > 0);
	if (ferror(f)) {
		rc = portier_err_set(err, PORTIER_EIO, "error reading '%s'",
				     path);
		goto out_close;
	}
	if (memchr(buf, '\0', len)) {
		rc = portier_err_set(err, PORTIER_EINVAL,
				     "'%s' contains a NUL byte", path);
		goto out_close;
	}
	buf[len] = '\0';
	*out = buf;
	buf = NULL;
out_close:
	portier_free(buf);
	fclose(f);
	return rc;
}

static void overlay_release(struct overlay *ov)
{
	size_t i;

	for (i = 0; i < ov->n; i++)
		portier_free(ov->names[i]);
	portier_free(ov->names);
	portier_free(ov->entries);
	portier_free(ov->text);
	memset(ov, 0, sizeof(*ov));
}

/*
 * Parse an overlay file into ov.  Returns 0 (also for a missing file, which
 * leaves ov empty) or an error naming file and line.
 */
static int overlay_load(struct overlay *ov, const char *path, uint8_t origin,
			bool skip_unreadable, struct portier_err *err)
{
	size_t lines = 1, lineno = 0, i;
	char *p, *next;
	int rc;

	memset(ov, 0, sizeof(*ov));
	rc = read_file(path, &ov->text, err);
	if (rc == PORTIER_ENOENT || (skip_unreadable && rc == -EACCES))
		return 0;
	if (rc)
		return rc;
	for (p = ov->text; *p; p++)
		lines += *p == '\n';
	ov->entries = portier_calloc(lines, sizeof(*ov->entries));
	ov->names = portier_calloc(lines, sizeof(*ov->names));
	if (!ov->entries || !ov->names) {
		rc = portier_err_set(err, PORTIER_ENOMEM, "out of memory");
		goto out_release;
	}
	for (p = ov->text; p; p = next) {
		struct portier_kb_entry *e = &ov->entries[ov->n];
		struct portier_err why;

		lineno++;
		next = strchr(p, '\n');
		if (next)
			*next++ = '\0';
		if (kb_line_is_skippable(p))
			continue;
		if (kb_parse_entry_line(p, e, &why) < 0) {
			rc = portier_err_set(err, PORTIER_EINVAL, "%s:%zu: %s",
					     path, lineno, why.msg);
			goto out_release;
		}
		for (i = 0; i < ov->n; i++) {
			if (kb_entry_same_key(&ov->entries[i], e)) {
				rc = portier_err_set(
					err, PORTIER_EINVAL,
					"%s:%zu: port %s/%s appears twice",
					path, lineno, p,
					portier_proto_name(e->protos));
				goto out_release;
			}
		}
		ov->names[ov->n] =
			portier_strndup(e->service, strcspn(e->service, ","));
		if (!ov->names[ov->n]) {
			rc = portier_err_set(err, PORTIER_ENOMEM,
					     "out of memory");
			goto out_release;
		}
		e->name = ov->names[ov->n];
		e->origin = origin;
		ov->n++;
	}
	return 0;
out_release:
	overlay_release(ov);
	return rc;
}

/* Put the overlay's entries into kb, replacing those of the same key. */
static void overlay_merge(struct portier_kb *kb, const struct overlay *ov)
{
	size_t i, j;

	for (i = 0; i < ov->n; i++) {
		const struct portier_kb_entry *e = &ov->entries[i];
		size_t keep = 0;

		for (j = 0; j < kb->n; j++)
			if (!kb_entry_same_key(kb->entries[j], e))
				kb->entries[keep++] = kb->entries[j];
		kb->n = keep;
		kb->entries[kb->n++] = e;
	}
}

static void default_overlays(const char *paths[2], char *user, size_t len)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");

	paths[0] = "/etc/portier/ports.tsv";
	paths[1] = NULL;
	if (xdg && *xdg)
		snprintf(user, len, "%s/portier/ports.tsv", xdg);
	else if (home && *home)
		snprintf(user, len, "%s/.config/portier/ports.tsv", home);
	else
		return;
	paths[1] = user;
}

int portier_kb_new(struct portier_kb **out,
		   const struct portier_kb_options *opt,
		   struct portier_err *err)
{
	const char *defaults[2];
	char user_path[4096];
	const char *const *paths = NULL;
	bool defaults_used = false;
	struct portier_kb *kb;
	size_t n_paths = 0, cap, i;
	int rc;

	*out = NULL;
	if (!opt || !opt->no_overlays) {
		if (opt && opt->overlays) {
			paths = opt->overlays;
			n_paths = opt->n_overlays;
		} else {
			default_overlays(defaults, user_path,
					 sizeof(user_path));
			defaults_used = true;
			paths = defaults;
			n_paths = 2;
		}
	}
	if (n_paths > 2)
		return portier_err_set(err, PORTIER_EINVAL,
				       "at most 2 overlay files, got %zu",
				       n_paths);
	kb = portier_calloc(1, sizeof(*kb));
	if (!kb)
		return portier_err_set(err, PORTIER_ENOMEM, "out of memory");
	cap = kb_builtin_count;
	for (i = 0; i < n_paths; i++) {
		if (!paths[i])
			continue;
		rc = overlay_load(&kb->overlays[kb->n_overlays], paths[i],
				  (uint8_t)(PORTIER_KB_SITE + i), defaults_used,
				  err);
		if (rc)
			goto out_free;
		cap += kb->overlays[kb->n_overlays++].n;
	}
	kb->entries = portier_calloc(cap, sizeof(*kb->entries));
	if (!kb->entries) {
		rc = portier_err_set(err, PORTIER_ENOMEM, "out of memory");
		goto out_free;
	}
	for (i = 0; i < kb_builtin_count; i++)
		kb->entries[kb->n++] = &kb_builtin_entries[i];
	for (i = 0; i < kb->n_overlays; i++)
		overlay_merge(kb, &kb->overlays[i]);
	qsort(kb->entries, kb->n, sizeof(*kb->entries), ptr_cmp);
	*out = kb;
	return 0;
out_free:
	portier_kb_free(kb);
	return rc;
}

void portier_kb_free(struct portier_kb *kb)
{
	size_t i;

	if (!kb)
		return;
	for (i = 0; i < kb->n_overlays; i++)
		overlay_release(&kb->overlays[i]);
	portier_free(kb->entries);
	portier_free(kb);
}

size_t portier_kb_count(const struct portier_kb *kb)
{
	return kb->n;
}

const struct portier_kb_entry *portier_kb_at(const struct portier_kb *kb,
					     size_t i)
{
	return i < kb->n ? kb->entries[i] : NULL;
}

/* Number of entries whose range starts at or below port. */
static size_t entries_upto(const struct portier_kb *kb, uint16_t port)
{
	size_t lo = 0, hi = kb->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (kb->entries[mid]->lo <= port)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Narrower range first; for equal ranges the higher origin wins. */
static bool more_specific(const struct portier_kb_entry *a,
			  const struct portier_kb_entry *b)
{
	unsigned wa = (unsigned)(a->hi - a->lo), wb = (unsigned)(b->hi - b->lo);

	if (wa != wb)
		return wa < wb;
	return a->origin > b->origin;
}

size_t portier_kb_find(const struct portier_kb *kb, uint16_t port,
		       unsigned protos, const struct portier_kb_entry **out,
		       size_t max)
{
	size_t i = entries_upto(kb, port), found = 0;

	while (i-- > 0) {
		const struct portier_kb_entry *e = kb->entries[i];
		size_t k;

		if (e->hi < port || !(e->protos & protos))
			continue;
		/* insertion sort into out, most specific first */
		if (found < max) {
			k = found;
			while (k > 0 && more_specific(e, out[k - 1])) {
				out[k] = out[k - 1];
				k--;
			}
			out[k] = e;
		} else if (max && more_specific(e, out[max - 1])) {
			k = max - 1;
			while (k > 0 && more_specific(e, out[k - 1])) {
				out[k] = out[k - 1];
				k--;
			}
			out[k] = e;
		}
		found++;
	}
	return found;
}

const struct portier_kb_entry *portier_kb_best(const struct portier_kb *kb,
					       uint16_t port, unsigned protos)
{
	const struct portier_kb_entry *best = NULL;

	portier_kb_find(kb, port, protos, &best, 1);
	return best;
}

size_t portier_iana_count(void)
{
	return kb_iana_count;
}

const struct portier_iana_entry *portier_iana_at(size_t i)
{
	return i < kb_iana_count ? &kb_iana_entries[i] : NULL;
}

size_t portier_iana_lower_bound(uint16_t port)
{
	size_t lo = 0, hi = kb_iana_count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (kb_iana_entries[mid].port < port)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct portier_iana_entry *portier_iana_find(uint16_t port,
						   unsigned protos)
{
	size_t i;

	for (i = portier_iana_lower_bound(port);
	     i < kb_iana_count && kb_iana_entries[i].port == port; i++)
		if (kb_iana_entries[i].proto & protos)
			return &kb_iana_entries[i];
	return NULL;
}

const char *portier_kb_service_name(const struct portier_kb *kb, uint16_t port,
				    unsigned proto)
{
	const struct portier_kb_entry *e =
		kb ? portier_kb_best(kb, port, proto) : NULL;
	const struct portier_iana_entry *ia;

	/* portier's own name for exactly this port says what runs there today
	 * (9200 elasticsearch, not IANA's wap-wsp) */
	if (e && e->lo == e->hi && *e->name)
		return e->name;
	ia = portier_iana_find(port, proto);
	if (ia)
		return ia->name;
	return e && *e->name ? e->name : NULL;
}

static bool contains(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return true;
	return false;
}

size_t portier_kb_search(const struct portier_kb *kb, const char *keyword,
			 void (*on_entry)(const struct portier_kb_entry *e,
					  void *ctx),
			 void (*on_iana)(const struct portier_iana_entry *e,
					 void *ctx),
			 void *ctx)
{
	size_t i, found = 0;

	if (!*keyword)
		return 0;
	for (i = 0; i < kb->n; i++) {
		const struct portier_kb_entry *e = kb->entries[i];

		if (contains(e->service, keyword) ||
		    contains(e->summary, keyword) ||
		    contains(e->danger, keyword) ||
		    contains(e->trojans, keyword)) {
			found++;
			if (on_entry)
				on_entry(e, ctx);
		}
	}
	for (i = 0; i < kb_iana_count; i++) {
		const struct portier_iana_entry *e = &kb_iana_entries[i];

		if (contains(e->name, keyword) ||
		    contains(e->description, keyword)) {
			found++;
			if (on_iana)
				on_iana(e, ctx);
		}
	}
	return found;
}

int portier_ephemeral_range(const char *proc_root, uint16_t *lo, uint16_t *hi,
			    struct portier_err *err)
{
	char path[4096];
	unsigned a, b;
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "%s/sys/net/ipv4/ip_local_port_range",
		 proc_root ? proc_root : "/proc");
	f = fopen(path, "r");
	if (!f)
		return portier_err_set(err, -errno, "cannot read '%s': %s",
				       path, strerror(errno));
	n = fscanf(f, "%u %u", &a, &b);
	fclose(f);
	if (n != 2 || a > b || b > 65535)
		return portier_err_set(err, PORTIER_EPROTO,
				       "unexpected contents in '%s'", path);
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}
