/*
 * bson.c - the bounded BSON writer and reader (see bson.h).
 */
#include <string.h>

#include "portier/bytes.h"
#include "svc/bson.h"

void svc_bson_begin(struct svc_bson_w *w, uint8_t *buf, size_t cap)
{
	w->buf = buf;
	w->cap = cap;
	w->len = 0;
	w->start = 0;
	w->overflow = cap < 5;
	if (!w->overflow)
		w->len = 4; /* the size, written by svc_bson_end */
}

/* Room for n more bytes (and the closing NUL), or mark the overflow. */
static bool room(struct svc_bson_w *w, size_t n)
{
	if (w->overflow || w->cap - w->len < n + 1) {
		w->overflow = true;
		return false;
	}
	return true;
}

static bool head(struct svc_bson_w *w, uint8_t type, const char *key,
		 size_t vlen)
{
	size_t klen = strlen(key);

	if (!room(w, 1 + klen + 1 + vlen))
		return false;
	w->buf[w->len++] = type;
	memcpy(w->buf + w->len, key, klen + 1);
	w->len += klen + 1;
	return true;
}

void svc_bson_int32(struct svc_bson_w *w, const char *key, int32_t v)
{
	if (!head(w, SVC_BSON_INT32, key, 4))
		return;
	put_le32(w->buf + w->len, (uint32_t)v);
	w->len += 4;
}

void svc_bson_bool(struct svc_bson_w *w, const char *key, bool v)
{
	if (!head(w, SVC_BSON_BOOL, key, 1))
		return;
	w->buf[w->len++] = v ? 1 : 0;
}

void svc_bson_double(struct svc_bson_w *w, const char *key, double v)
{
	uint64_t bits;

	if (!head(w, SVC_BSON_DOUBLE, key, 8))
		return;
	memcpy(&bits, &v, sizeof(bits));
	put_le64(w->buf + w->len, bits);
	w->len += 8;
}

void svc_bson_string(struct svc_bson_w *w, const char *key, const char *v)
{
	size_t vlen = strlen(v);

	if (vlen > INT32_MAX - 1 ||
	    !head(w, SVC_BSON_STRING, key, 4 + vlen + 1))
		return;
	put_le32(w->buf + w->len, (uint32_t)(vlen + 1));
	memcpy(w->buf + w->len + 4, v, vlen + 1);
	w->len += 4 + vlen + 1;
}

void svc_bson_sub(struct svc_bson_w *w, uint8_t type, const char *key,
		  const uint8_t *doc, size_t len)
{
	if (!head(w, type, key, len))
		return;
	memcpy(w->buf + w->len, doc, len);
	w->len += len;
}

size_t svc_bson_end(struct svc_bson_w *w)
{
	if (!room(w, 0))
		return 0;
	w->buf[w->len++] = 0;
	put_le32(w->buf + w->start, (uint32_t)(w->len - w->start));
	return w->len;
}

size_t svc_bson_doc_len(const uint8_t *buf, size_t n)
{
	uint32_t size;

	if (n < 5)
		return 0;
	size = get_le32(buf);
	if (size < 5 || size > n || buf[size - 1] != 0)
		return 0;
	return size;
}

bool svc_bson_iter_init(struct svc_bson_iter *it, const uint8_t *buf, size_t n)
{
	it->doc = buf;
	it->len = svc_bson_doc_len(buf, n);
	it->off = 4;
	it->bad = it->len == 0;
	return !it->bad;
}

/* The size of a value of type t at p with `left` bytes up to the
 * document's final NUL; 0 with *ok false when it does not fit. */
static size_t value_len(uint8_t t, const uint8_t *p, size_t left, bool *ok)
{
	size_t n, k;

	*ok = true;
	switch (t) {
	case SVC_BSON_UNDEFINED:
	case SVC_BSON_NULL:
	case SVC_BSON_MINKEY:
	case SVC_BSON_MAXKEY:
		return 0;
	case SVC_BSON_BOOL:
		n = 1;
		break;
	case SVC_BSON_INT32:
		n = 4;
		break;
	case SVC_BSON_DOUBLE:
	case SVC_BSON_DATETIME:
	case SVC_BSON_TIMESTAMP:
	case SVC_BSON_INT64:
		n = 8;
		break;
	case SVC_BSON_OID:
		n = 12;
		break;
	case SVC_BSON_DECIMAL128:
		n = 16;
		break;
	case SVC_BSON_STRING:
	case SVC_BSON_CODE:
	case SVC_BSON_SYMBOL:
	case SVC_BSON_DBPOINTER:
		/* int32 length (counting the NUL), the bytes, NUL; a DB
		 * pointer has a 12-byte id after the string */
		if (left < 4)
			goto bad;
		k = get_le32(p);
		if (k < 1 || k > left - 4 || p[4 + k - 1] != 0)
			goto bad;
		n = 4 + k + (t == SVC_BSON_DBPOINTER ? 12 : 0);
		break;
	case SVC_BSON_DOC:
	case SVC_BSON_ARRAY:
		n = svc_bson_doc_len(p, left);
		if (n == 0)
			goto bad;
		break;
	case SVC_BSON_CODE_W_SCOPE:
		/* int32 total, a string, a document: the total is all it
		 * takes to step over it (the smallest is 4 + 5 + 5) */
		if (left < 4)
			goto bad;
		n = get_le32(p);
		if (n < 14)
			goto bad;
		break;
	case SVC_BSON_BINARY:
		if (left < 5)
			goto bad;
		k = get_le32(p);
		if (k > left - 5)
			goto bad;
		n = 5 + k;
		break;
	case SVC_BSON_REGEX:
		/* two C strings: the pattern and the options */
		k = strnlen((const char *)p, left);
		if (k == left)
			goto bad;
		n = k + 1;
		k = strnlen((const char *)p + n, left - n);
		if (k == left - n)
			goto bad;
		n += k + 1;
		break;
	default:
		goto bad;
	}
	if (n > left)
		goto bad;
	return n;
bad:
	*ok = false;
	return 0;
}

bool svc_bson_next(struct svc_bson_iter *it, struct svc_bson_elem *e)
{
	size_t end, klen, vlen;
	bool ok;

	if (it->bad)
		return false;
	end = it->len - 1; /* the document's closing NUL */
	if (it->off >= end)
		return false;
	e->type = it->doc[it->off];
	if (e->type == 0) { /* a NUL before the end: the sizes disagree */
		it->bad = true;
		return false;
	}
	klen = strnlen((const char *)it->doc + it->off + 1, end - it->off - 1);
	if (klen == end - it->off - 1) { /* no NUL after the key */
		it->bad = true;
		return false;
	}
	e->key = (const char *)it->doc + it->off + 1;
	e->val = it->doc + it->off + 1 + klen + 1;
	vlen = value_len(e->type, e->val, (size_t)(it->doc + end - e->val),
			 &ok);
	if (!ok) {
		it->bad = true;
		return false;
	}
	e->val_len = vlen;
	it->off = (size_t)(e->val + vlen - it->doc);
	return true;
}

bool svc_bson_find(const uint8_t *buf, size_t n, const char *key,
		   struct svc_bson_elem *e)
{
	struct svc_bson_iter it;

	if (!svc_bson_iter_init(&it, buf, n))
		return false;
	while (svc_bson_next(&it, e))
		if (strcmp(e->key, key) == 0)
			return true;
	return false;
}

bool svc_bson_as_int(const struct svc_bson_elem *e, int64_t *v)
{
	double d;
	uint64_t bits;

	switch (e->type) {
	case SVC_BSON_INT32:
		*v = (int32_t)get_le32(e->val);
		return true;
	case SVC_BSON_INT64:
		*v = (int64_t)get_le64(e->val);
		return true;
	case SVC_BSON_BOOL:
		*v = e->val[0] != 0;
		return true;
	case SVC_BSON_DOUBLE:
		bits = get_le64(e->val);
		memcpy(&d, &bits, sizeof(d));
		/* out of range or NaN: not an integer this reader gives */
		if (!(d > -9.0e18 && d < 9.0e18))
			return false;
		*v = (int64_t)d;
		return true;
	default:
		return false;
	}
}

bool svc_bson_as_str(const struct svc_bson_elem *e, const uint8_t **s,
		     size_t *len)
{
	if (e->type != SVC_BSON_STRING)
		return false;
	*s = e->val + 4;
	*len = e->val_len - 5;
	return true;
}

bool svc_bson_as_doc(const struct svc_bson_elem *e, const uint8_t **d,
		     size_t *len)
{
	if (e->type != SVC_BSON_DOC && e->type != SVC_BSON_ARRAY)
		return false;
	*d = e->val;
	*len = e->val_len;
	return true;
}
