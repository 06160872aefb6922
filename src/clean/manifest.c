/*
 * manifest.c - the plan as JSON and back (jansson), as pure functions.
 *
 * The manifest lives in the quarantine and says what undo puts back, as
 * root: decode checks every field before a caller may act on it - kinds
 * and states by name, hashes as 64 hex digits, modes within 07777, copy
 * names that stay inside the quarantine, paths that are absolute.
 *
 *   {"portier_clean": 1, "id": "...", "created": "...", "root": "/",
 *    "port": 45576, "pid": 0, "reboot": false, "undone": false,
 *    "steps": [{"kind": "move", "state": "done", "path": "/etc/x",
 *               "qname": "f004", "link": false, "sha256": "...",
 *               "size": 12, "mode": 420, "uid": 0, "gid": 0,
 *               "atime_ns": ..., "mtime_ns": ..., ...}],
 *    "kept": [{"path": "...", "why": "..."}]}
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clean/clean_int.h"
#include "portier/addr.h"
#include "portier/bytes.h"

#define MANIFEST_VERSION 1

static int set(json_t *o, const char *key, json_t *v)
{
	return v ? json_object_set_new(o, key, v) : -1;
}

/*
 * Text from the system (paths, names) under key; bytes that are not UTF-8
 * (a file name may hold any) go as hex under key_hex, so that no name can
 * keep its file out of the manifest.
 */
static int put_text(json_t *o, const char *key, const char *s)
{
	static const char hx[] = "0123456789abcdef";
	char k[32], *h;
	size_t i, n;
	json_t *v;
	int rc;

	if (!s)
		return set(o, key, json_null());
	v = json_string(s);
	if (v)
		return set(o, key, v);
	n = strlen(s);
	h = malloc(2 * n + 1);
	if (!h)
		return -1;
	for (i = 0; i < n; i++) {
		h[2 * i] = hx[(unsigned char)s[i] >> 4];
		h[2 * i + 1] = hx[(unsigned char)s[i] & 15];
	}
	h[2 * n] = '\0';
	snprintf(k, sizeof(k), "%s_hex", key);
	rc = set(o, k, json_string(h));
	free(h);
	return rc;
}

static json_t *encode_step(const struct portier_clean_step *s)
{
	json_t *o = json_object(), *lines;
	size_t i;
	int bad = 0;

	if (!o)
		return NULL;
	bad |= set(o, "kind", json_string(portier_clean_kind_name(s->kind)));
	bad |= set(o, "state", json_string(portier_clean_state_name(s->state)));
	if (s->why)
		bad |= put_text(o, "why", s->why);
	switch (s->kind) {
	case PORTIER_CLEAN_STOP:
	case PORTIER_CLEAN_KILL:
		if (s->unit)
			bad |= put_text(o, "unit", s->unit);
		break;
	case PORTIER_CLEAN_BLOCK:
		bad |= set(o, "port", json_integer(s->port));
		bad |= set(o, "proto",
			   json_string(s->proto == PORTIER_PROTO_UDP ? "udp"
								     : "tcp"));
		bad |= set(o, "fw_point",
			   json_integer((json_int_t)s->fw_point));
		return bad ? (json_decref(o), NULL) : o;
	default:
		bad |= put_text(o, "path", s->path);
		bad |= put_text(o, "qname", s->qname);
		bad |= set(o, "link", json_boolean(s->file.link));
		bad |= put_text(o, "target", s->file.target);
		bad |= set(o, "sha256", json_string(s->file.sha256));
		bad |= set(o, "size", json_integer((json_int_t)s->file.size));
		bad |= set(o, "mode", json_integer(s->file.mode));
		bad |= set(o, "uid", json_integer(s->file.uid));
		bad |= set(o, "gid", json_integer(s->file.gid));
		bad |= set(o, "atime_ns", json_integer(s->file.atime_ns));
		bad |= set(o, "mtime_ns", json_integer(s->file.mtime_ns));
		bad |= set(o, "dir_dev", json_integer((json_int_t)s->dir_dev));
		bad |= set(o, "dir_ino", json_integer((json_int_t)s->dir_ino));
		if (s->unit)
			bad |= put_text(o, "unit", s->unit);
		if (s->kind == PORTIER_CLEAN_REWRITE) {
			lines = json_array();
			for (i = 0; lines && i < s->n_lines; i++)
				bad |= json_array_append_new(
					lines, json_integer(s->lines[i]));
			bad |= set(o, "lines", lines);
			bad |= set(o, "new_sha256", json_string(s->new_sha256));
		}
		if (s->kind != PORTIER_CLEAN_SAVE || !s->pid)
			return bad ? (json_decref(o), NULL) : o;
		break;
	}
	bad |= set(o, "pid", json_integer(s->pid));
	bad |= set(o, "start", json_integer(s->start));
	bad |= put_text(o, "comm", s->comm);
	return bad ? (json_decref(o), NULL) : o;
}

int portier_clean_manifest_encode(const struct portier_clean_plan *p,
				  char **out, struct portier_err *err)
{
	json_t *o = json_object(), *steps = json_array(), *kept = json_array();
	char *text = NULL;
	size_t i;
	int bad = !o || !steps || !kept;

	*out = NULL;
	for (i = 0; !bad && i < p->n_steps; i++)
		bad |= json_array_append_new(steps, encode_step(&p->steps[i]));
	for (i = 0; !bad && i < p->n_kept; i++) {
		json_t *k = json_object();

		bad |= !k || put_text(k, "path", p->kept[i].path) ||
		       put_text(k, "why", p->kept[i].why);
		bad |= json_array_append_new(kept, k);
	}
	if (!bad) {
		bad |= set(o, "portier_clean", json_integer(MANIFEST_VERSION));
		bad |= set(o, "id", json_string(p->id));
		bad |= set(o, "created", json_string(p->created));
		bad |= put_text(o, "root", p->root);
		bad |= set(o, "port", json_integer(p->port));
		bad |= set(o, "pid", json_integer(p->pid));
		bad |= set(o, "reboot", json_boolean(p->reboot));
		bad |= set(o, "undone", json_boolean(p->undone));
		bad |= json_object_set(o, "steps", steps);
		bad |= json_object_set(o, "kept", kept);
	}
	if (!bad)
		text = json_dumps(o, JSON_INDENT(1) | JSON_ENSURE_ASCII);
	json_decref(steps);
	json_decref(kept);
	json_decref(o);
	if (!text)
		return portier_err_set(err, PORTIER_ENOMEM,
				       "out of memory (or a path that is not "
				       "UTF-8) writing the manifest");
	*out = portier_strdup(text);
	free(text);
	return *out ? 0 : portier_err_set(err, PORTIER_ENOMEM, "out of memory");
}

/* ---- decode ------------------------------------------------------------- */

struct dec {
	struct portier_err *err;
	int rc;
};

static int bad(struct dec *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int bad(struct dec *d, const char *fmt, ...)
{
	char msg[PORTIER_ERR_MSG_MAX];
	va_list ap;

	if (d->rc)
		return d->rc;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return d->rc = portier_err_set(d->err, PORTIER_EPROTO, "%s", msg);
}

static int64_t get_int(struct dec *d, json_t *o, const char *key, int64_t lo,
		       int64_t hi)
{
	json_t *v = json_object_get(o, key);
	json_int_t n;

	if (!json_is_integer(v)) {
		bad(d, "manifest: '%s' is missing or not a number", key);
		return 0;
	}
	n = json_integer_value(v);
	if (n < lo || n > hi) {
		bad(d, "manifest: '%s' is out of range", key);
		return 0;
	}
	return n;
}

/* key_hex: text put_text wrote as hex (no NUL byte in it). */
static char *get_hex(struct dec *d, json_t *v, const char *key)
{
	const char *h = json_string_value(v);
	size_t i, n = h ? strlen(h) : 1;
	char *s;

	if (!h || n % 2 || !n) {
		bad(d, "manifest: '%s_hex' is not hex", key);
		return NULL;
	}
	s = portier_malloc(n / 2 + 1);
	if (!s) {
		d->rc = d->rc ? d->rc
			      : portier_err_set(d->err, PORTIER_ENOMEM,
						"out of memory");
		return NULL;
	}
	for (i = 0; i < n / 2; i++) {
		int a = portier_hex_digit((unsigned char)h[2 * i]),
		    b = portier_hex_digit((unsigned char)h[2 * i + 1]);

		if (a < 0 || b < 0 || (a == 0 && b == 0)) {
			portier_free(s);
			bad(d, "manifest: '%s_hex' is not hex", key);
			return NULL;
		}
		s[i] = (char)(a << 4 | b);
	}
	s[n / 2] = '\0';
	return s;
}

/* A string member copied (NULL allowed when null_ok and null). */
static char *get_str(struct dec *d, json_t *o, const char *key, bool null_ok)
{
	json_t *v = json_object_get(o, key);
	char *s, hk[32];

	snprintf(hk, sizeof(hk), "%s_hex", key);
	if (json_object_get(o, hk)) {
		if (v)
			bad(d, "manifest: both '%s' and its hex", key);
		return d->rc ? NULL : get_hex(d, json_object_get(o, hk), key);
	}
	if (null_ok && (!v || json_is_null(v)))
		return NULL;
	if (!json_is_string(v) ||
	    strlen(json_string_value(v)) != json_string_length(v)) {
		bad(d, "manifest: '%s' is missing or not a string", key);
		return NULL;
	}
	s = portier_strdup(json_string_value(v));
	if (!s && !d->rc)
		d->rc = portier_err_set(d->err, PORTIER_ENOMEM,
					"out of memory");
	return s;
}

static int name_index(const char *s, const char *(*name)(unsigned),
		      unsigned max)
{
	unsigned i;

	for (i = 0; s && i < max; i++)
		if (strcmp(s, name(i)) == 0)
			return (int)i;
	return -1;
}

static bool hex64(const char *s)
{
	size_t i;

	for (i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s[64] == '\0';
}

static void get_hash(struct dec *d, json_t *o, const char *key, bool empty_ok,
		     char out[65])
{
	json_t *v = json_object_get(o, key);
	const char *s = json_string_value(v);

	out[0] = '\0';
	if (!s || !((empty_ok && !s[0]) || (strlen(s) == 64 && hex64(s)))) {
		bad(d, "manifest: '%s' is not a SHA-256 in hex", key);
		return;
	}
	portier_strlcpy(out, s, 65);
}

/* A copy's name: letters, digits, '-', '.', not starting with '.'. */
static bool safe_qname(const char *s)
{
	size_t i;

	if (!s || !s[0] || s[0] == '.' || strlen(s) > 64)
		return false;
	for (i = 0; s[i]; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		      s[i] == '.'))
			return false;
	return true;
}

static void decode_file_step(struct dec *d, json_t *o,
			     struct portier_clean_step *s)
{
	json_t *v;
	size_t i;

	s->path = get_str(d, o, "path", false);
	s->qname = get_str(d, o, "qname", s->kind == PORTIER_CLEAN_MASK);
	s->file.target = get_str(d, o, "target", true);
	s->unit = get_str(d, o, "unit", true);
	if (d->rc)
		return;
	if (s->path[0] != '/' || strstr(s->path, "/../") ||
	    (strlen(s->path) >= 3 &&
	     strcmp(s->path + strlen(s->path) - 3, "/..") == 0))
		bad(d, "manifest: path '%.200s' is not absolute and plain",
		    s->path);
	if (s->kind != PORTIER_CLEAN_MASK && !safe_qname(s->qname))
		bad(d, "manifest: copy name '%.80s' would leave the quarantine",
		    s->qname ? s->qname : "");
	if (s->unit && (strchr(s->unit, '/') || !s->unit[0]))
		bad(d, "manifest: unit '%.200s' is not a unit name", s->unit);
	v = json_object_get(o, "link");
	if (!json_is_boolean(v))
		bad(d, "manifest: '%s' is missing or not true/false", "link");
	s->file.link = json_is_true(v);
	if (s->file.link && !s->file.target)
		bad(d, "manifest: a link without '%s'", "target");
	get_hash(d, o, "sha256", s->file.link || s->kind == PORTIER_CLEAN_SAVE,
		 s->file.sha256);
	s->file.size = (uint64_t)get_int(d, o, "size", 0, INT64_MAX);
	s->file.mode = (uint32_t)get_int(d, o, "mode", 0, 07777);
	s->file.uid = (uint32_t)get_int(d, o, "uid", 0, UINT32_MAX);
	s->file.gid = (uint32_t)get_int(d, o, "gid", 0, UINT32_MAX);
	s->file.atime_ns = get_int(d, o, "atime_ns", INT64_MIN, INT64_MAX);
	s->file.mtime_ns = get_int(d, o, "mtime_ns", INT64_MIN, INT64_MAX);
	s->dir_dev = (uint64_t)get_int(d, o, "dir_dev", 0, INT64_MAX);
	s->dir_ino = (uint64_t)get_int(d, o, "dir_ino", 0, INT64_MAX);
	if (s->kind != PORTIER_CLEAN_REWRITE || d->rc)
		return;
	v = json_object_get(o, "lines");
	if (!json_is_array(v) || !json_array_size(v) ||
	    json_array_size(v) > 100000) {
		bad(d, "manifest: '%s' is not a list of line numbers", "lines");
		return;
	}
	s->lines = portier_calloc(json_array_size(v), sizeof(*s->lines));
	if (!s->lines) {
		d->rc = portier_err_set(d->err, PORTIER_ENOMEM,
					"out of memory");
		return;
	}
	for (i = 0; i < json_array_size(v); i++) {
		json_t *e = json_array_get(v, i);

		if (!json_is_integer(e) || json_integer_value(e) < 1 ||
		    json_integer_value(e) > UINT32_MAX) {
			bad(d, "manifest: '%s' is not a list of line numbers",
			    "lines");
			return;
		}
		s->lines[s->n_lines++] = (uint32_t)json_integer_value(e);
	}
	get_hash(d, o, "new_sha256", false, s->new_sha256);
}

static void decode_step(struct dec *d, json_t *o, struct portier_clean_step *s)
{
	const char *k = json_string_value(json_object_get(o, "kind"));
	const char *st = json_string_value(json_object_get(o, "state"));
	int ki = name_index(k, portier_clean_kind_name, PORTIER_CLEAN_KIND_MAX);
	int si = name_index(st, portier_clean_state_name,
			    PORTIER_CLEAN_STATE_MAX);
	char *comm;

	if (!json_is_object(o) || ki < 0 || si < 0) {
		bad(d, "manifest: a step with an unknown %s",
		    ki < 0 ? "kind" : "state");
		return;
	}
	s->kind = (uint8_t)ki;
	s->state = (uint8_t)si;
	s->why = get_str(d, o, "why", true);
	if (ki == PORTIER_CLEAN_BLOCK) {
		const char *pr = json_string_value(json_object_get(o, "proto"));

		s->port = (uint16_t)get_int(d, o, "port", 1, 65535);
		s->fw_point =
			(unsigned long)get_int(d, o, "fw_point", 0, 999999999);
		if (!pr || (strcmp(pr, "tcp") != 0 && strcmp(pr, "udp") != 0))
			bad(d, "manifest: '%s' is not tcp or udp", "proto");
		s->proto = pr && strcmp(pr, "udp") == 0 ? PORTIER_PROTO_UDP
							: PORTIER_PROTO_TCP;
		return;
	}
	if (ki != PORTIER_CLEAN_STOP && ki != PORTIER_CLEAN_KILL) {
		decode_file_step(d, o, s);
		if (ki != PORTIER_CLEAN_SAVE || !json_object_get(o, "pid"))
			return;
	}
	if (ki == PORTIER_CLEAN_STOP || ki == PORTIER_CLEAN_KILL) {
		s->unit = get_str(d, o, "unit", true);
		if (s->unit && (strchr(s->unit, '/') || !s->unit[0]))
			bad(d, "manifest: unit '%.200s' is not a unit name",
			    s->unit);
	}
	s->pid = (int)get_int(d, o, "pid", 1, INT32_MAX);
	s->start = get_int(d, o, "start", 0, INT64_MAX);
	comm = get_str(d, o, "comm", false);
	if (comm)
		portier_strlcpy(s->comm, comm, sizeof(s->comm));
	portier_free(comm);
}

int portier_clean_manifest_decode(const char *text, size_t len,
				  struct portier_clean_plan **out,
				  struct portier_err *err)
{
	struct dec d = {.err = err};
	struct portier_clean_plan *p;
	json_error_t je;
	json_t *o, *steps, *kept, *v;
	char *s;
	size_t i, cap_kept = 0;

	*out = NULL;
	if (len > PORTIER_CLEAN_MANIFEST_MAX)
		return portier_err_set(err, PORTIER_EPROTO,
				       "manifest: longer than %u bytes",
				       PORTIER_CLEAN_MANIFEST_MAX);
	o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!o)
		return portier_err_set(err, PORTIER_EPROTO,
				       "manifest: not JSON (line %d: %s)",
				       je.line, je.text);
	p = portier_calloc(1, sizeof(*p));
	if (!p) {
		json_decref(o);
		return portier_err_set(err, PORTIER_ENOMEM, "out of memory");
	}
	if (!json_is_object(o) ||
	    get_int(&d, o, "portier_clean", 1, 1) != MANIFEST_VERSION)
		bad(&d, "manifest: %s", "not a portier clean manifest");
	if (!d.rc && (s = get_str(&d, o, "id", false)) != NULL) {
		if (!safe_qname(s))
			bad(&d, "manifest: id '%.80s' is not a plain name", s);
		portier_strlcpy(p->id, s, sizeof(p->id));
		portier_free(s);
	}
	if (!d.rc && (s = get_str(&d, o, "created", false)) != NULL) {
		portier_strlcpy(p->created, s, sizeof(p->created));
		portier_free(s);
	}
	if (!d.rc)
		p->root = get_str(&d, o, "root", false);
	if (!d.rc) {
		p->port = (uint16_t)get_int(&d, o, "port", 0, 65535);
		p->pid = (int)get_int(&d, o, "pid", 0, INT32_MAX);
		v = json_object_get(o, "reboot");
		p->reboot = json_is_true(v);
		if (!json_is_boolean(v) ||
		    !json_is_boolean(json_object_get(o, "undone")))
			bad(&d, "manifest: '%s' is not true/false",
			    "reboot/undone");
		p->undone = json_is_true(json_object_get(o, "undone"));
	}
	steps = json_object_get(o, "steps");
	kept = json_object_get(o, "kept");
	if (!d.rc &&
	    (!json_is_array(steps) || !json_is_array(kept) ||
	     json_array_size(steps) > 100000 || json_array_size(kept) > 100000))
		bad(&d, "manifest: '%s' is not a list", "steps/kept");
	for (i = 0; !d.rc && i < json_array_size(steps); i++) {
		struct portier_clean_step *st = clean_add_step(p, 0);

		if (!st) {
			d.rc = portier_err_set(err, PORTIER_ENOMEM,
					       "out of memory");
			break;
		}
		decode_step(&d, json_array_get(steps, i), st);
	}
	for (i = 0; !d.rc && i < json_array_size(kept); i++) {
		json_t *k = json_array_get(kept, i);
		struct portier_clean_kept *kk;

		if (portier_grow(&p->kept, &cap_kept, p->n_kept + 1,
				 sizeof(*p->kept), 8) < 0) {
			d.rc = portier_err_set(err, PORTIER_ENOMEM,
					       "out of memory");
			break;
		}
		kk = &p->kept[p->n_kept++];
		kk->path = get_str(&d, k, "path", false);
		kk->why = get_str(&d, k, "why", false);
	}
	json_decref(o);
	if (d.rc) {
		portier_clean_plan_free(p);
		return d.rc;
	}
	*out = p;
	return 0;
}
