/*
 * mongodb.c - the MongoDB module (client first, MongoDB wire protocol).
 *
 * The conversation is the one MongoDB's own drivers open with: an
 * OP_QUERY isMaster on admin.$cmd, which every server version answers
 * (3.6 and later keep OP_QUERY for exactly this handshake, and a server
 * older than 3.6 closes the connection on an OP_MSG, after which nothing
 * more could be sent).  The reply's maxWireVersion says whether the server
 * speaks OP_MSG (6 and above: 3.6+); the next commands go as OP_MSG then,
 * as OP_QUERY otherwise: buildInfo (allowed before a login; its "version"
 * is the server's) and listDatabases with nameOnly, which only a server
 * without access control answers with the database list ("Unauthorized",
 * code 13, otherwise).
 *
 * match_text: "maxWireVersion=<n> version=<buildInfo's version>", the
 * version empty when buildInfo said nothing: "maxWireVersion=21
 * version=7.0.14".
 */
#include <stdio.h>
#include <string.h>

#include "portier/bytes.h"
#include "portier/svc.h"
#include "svc/bson.h"
#include "svc/svc_int.h"

#define OP_REPLY	       1
#define OP_QUERY	       2004
#define OP_MSG		       2013
#define MONGO_HEADER	       16
#define MONGO_OPMSG_WIRE       6 /* maxWireVersion of 3.6, the first OP_MSG */
#define MONGO_CHECKSUM_PRESENT 0x1u
#define MONGO_UNAUTHORIZED     13

/* scratch: [0] flags, [1] maxWireVersion (at most 255), [8..56) the
 * version from buildInfo */
enum { MONGO_FLAGS = 0, MONGO_WIRE = 1, MONGO_VERSION = 8 };
#define MONGO_VERSION_CAP 48
#define MONGO_F_OPMSG	  0x01u

enum mongo_cmd { MONGO_ISMASTER = 1, MONGO_BUILDINFO, MONGO_LISTDB };

static const struct portier_probe_finding mongo_no_auth = {
	.risk = PORTIER_RISK_HIGH,
	.id = "mongodb-no-auth",
	.text = "the server answers commands without a login (access "
		"control is off): anyone who reaches the port reads, "
		"changes and deletes every database; such servers are "
		"wiped and ransomed by automated scans",
	.advice = "create an admin user and set security.authorization: "
		  "enabled in mongod.conf, keep net.bindIp to localhost or "
		  "the application's addresses, and close 27017 to the rest "
		  "(`portier firewall`)",
};

/* The command document for cmd; OP_MSG names the database inside it. */
static size_t mongo_doc(enum mongo_cmd cmd, bool opmsg, uint8_t *out,
			size_t cap)
{
	struct svc_bson_w w;

	svc_bson_begin(&w, out, cap);
	switch (cmd) {
	case MONGO_ISMASTER:
		svc_bson_int32(&w, "isMaster", 1);
		break;
	case MONGO_BUILDINFO:
		svc_bson_int32(&w, "buildInfo", 1);
		break;
	case MONGO_LISTDB:
		svc_bson_int32(&w, "listDatabases", 1);
		svc_bson_bool(&w, "nameOnly", true);
		break;
	}
	if (opmsg)
		svc_bson_string(&w, "$db", "admin");
	return svc_bson_end(&w);
}

/* A whole message for cmd (its requestID is cmd) into out; 0 when it
 * does not fit. */
static size_t mongo_request(enum mongo_cmd cmd, bool opmsg, uint8_t *out,
			    size_t cap)
{
	static const char coll[] = "admin.$cmd";
	size_t off = MONGO_HEADER, doc;

	if (cap < MONGO_HEADER + 4 + sizeof(coll) + 8)
		return 0;
	put_le32(out + 4, (uint32_t)cmd); /* requestID */
	put_le32(out + 8, 0);		  /* responseTo */
	put_le32(out + 12, opmsg ? OP_MSG : OP_QUERY);
	put_le32(out + off, 0); /* flags */
	off += 4;
	if (opmsg) {
		out[off++] = 0; /* section kind 0: the body document */
	} else {
		memcpy(out + off, coll, sizeof(coll));
		off += sizeof(coll);
		put_le32(out + off, 0);		       /* numberToSkip */
		put_le32(out + off + 4, (uint32_t)-1); /* numberToReturn */
		off += 8;
	}
	doc = mongo_doc(cmd, opmsg, out + off, cap - off);
	if (doc == 0)
		return 0;
	off += doc;
	put_le32(out, (uint32_t)off);
	return off;
}

/*
 * The reply to request id in in[0..n): its body document in *doc, *dlen.
 * MORE until the message is whole, NOT when it is not a MongoDB reply to
 * that request, DONE when the document is there.
 */
static enum portier_svc_verdict mongo_reply(const uint8_t *in, size_t n,
					    uint32_t id, const uint8_t **doc,
					    size_t *dlen)
{
	size_t len, off, end;
	uint32_t op, flags;

	if (n < 4)
		return PORTIER_SVC_MORE;
	len = get_le32(in);
	if (len < MONGO_HEADER + 5 || len > PORTIER_SVC_REPLY_MAX)
		return PORTIER_SVC_NOT;
	if (n < len)
		return PORTIER_SVC_MORE;
	op = get_le32(in + 12);
	if (get_le32(in + 8) != id)
		return PORTIER_SVC_NOT;
	if (op == OP_REPLY) {
		/* flags (4), cursorID (8), startingFrom (4), numberReturned
		 * (4), the documents */
		off = MONGO_HEADER + 20;
		if (len < off + 5 || get_le32(in + MONGO_HEADER + 16) < 1)
			return PORTIER_SVC_NOT;
		*dlen = svc_bson_doc_len(in + off, len - off);
		*doc = in + off;
		return *dlen ? PORTIER_SVC_DONE : PORTIER_SVC_NOT;
	}
	if (op != OP_MSG)
		return PORTIER_SVC_NOT;
	flags = get_le32(in + MONGO_HEADER);
	end = len;
	if (flags & MONGO_CHECKSUM_PRESENT)
		end -= 4; /* len >= 21, so this stays above the flags */
	off = MONGO_HEADER + 4;
	while (off < end) {
		uint8_t kind = in[off++];
		size_t size;

		if (kind == 0) {
			*dlen = svc_bson_doc_len(in + off, end - off);
			*doc = in + off;
			return *dlen ? PORTIER_SVC_DONE : PORTIER_SVC_NOT;
		}
		/* kind 1, a document sequence: int32 size counting itself */
		if (kind != 1 || end - off < 4)
			return PORTIER_SVC_NOT;
		size = get_le32(in + off);
		if (size < 4 || size > end - off)
			return PORTIER_SVC_NOT;
		off += size;
	}
	return PORTIER_SVC_NOT;
}

static bool mongo_int(const uint8_t *doc, size_t dlen, const char *key,
		      int64_t *v)
{
	struct svc_bson_elem e;

	return svc_bson_find(doc, dlen, key, &e) && svc_bson_as_int(&e, v);
}

/* The isMaster/hello reply names a MongoDB server: "ok" and one of the
 * handshake's own fields (or an error message). */
static bool mongo_is_hello(const uint8_t *doc, size_t dlen)
{
	static const char *const keys[] = {"ismaster", "isWritablePrimary",
					   "maxWireVersion", "errmsg"};
	struct svc_bson_elem e;
	int64_t ok;
	size_t i;

	if (!mongo_int(doc, dlen, "ok", &ok))
		return false;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (svc_bson_find(doc, dlen, keys[i], &e))
			return true;
	return false;
}

static void mongo_fill(const struct portier_svc_conv *c, struct portier_svc *s)
{
	const char *ver = (const char *)c->scratch + MONGO_VERSION;

	snprintf(s->name, sizeof(s->name), "mongodb");
	snprintf(s->product, sizeof(s->product), "MongoDB");
	snprintf(s->version, sizeof(s->version), "%s", ver);
	snprintf(s->match_text, sizeof(s->match_text),
		 "maxWireVersion=%u version=%s", c->scratch[MONGO_WIRE], ver);
	s->probed = true;
	s->conf = ver[0] != '\0' ? 10 : 8;
}

/* listDatabases answered: a finding when it listed them. */
static void mongo_listdb(const uint8_t *doc, size_t dlen, struct portier_svc *s)
{
	struct svc_bson_elem e, db, name;
	struct svc_bson_iter it;
	const uint8_t *arr, *sub, *str;
	size_t alen, slen, nlen, count = 0, used = 0;
	char names[96] = "";
	int64_t ok;

	if (!mongo_int(doc, dlen, "ok", &ok) || ok != 1 ||
	    !svc_bson_find(doc, dlen, "databases", &e) ||
	    !svc_bson_as_doc(&e, &arr, &alen) ||
	    !svc_bson_iter_init(&it, arr, alen))
		return;
	while (svc_bson_next(&it, &db)) {
		count++;
		if (!svc_bson_as_doc(&db, &sub, &slen) ||
		    !svc_bson_find(sub, slen, "name", &name) ||
		    !svc_bson_as_str(&name, &str, &nlen) ||
		    used + 3 >= sizeof(names))
			continue;
		if (used > 0) {
			names[used++] = ',';
			names[used++] = ' ';
		}
		used += svc_text(names + used, sizeof(names) - used, str, nlen);
	}
	portier_svc_add_finding(s, &mongo_no_auth,
				"listDatabases answered without a login: %zu "
				"database%s (%s)",
				count, count == 1 ? "" : "s", names);
}

static enum portier_svc_verdict mongo_send(struct portier_svc_conv *c,
					   enum mongo_cmd cmd, uint8_t *out,
					   size_t cap, size_t *out_len)
{
	*out_len = mongo_request(cmd, c->scratch[MONGO_FLAGS] & MONGO_F_OPMSG,
				 out, cap);
	if (*out_len == 0)
		return PORTIER_SVC_NOT;
	c->step = cmd;
	return PORTIER_SVC_SEND;
}

static enum portier_svc_verdict
mongo_step(struct portier_svc_conv *c, const uint8_t *in, size_t n,
	   uint8_t *out, size_t cap, size_t *out_len, struct portier_svc *s)
{
	enum portier_svc_verdict v;
	const uint8_t *doc = NULL, *str;
	size_t dlen = 0, slen;
	struct svc_bson_elem e;
	int64_t wire;

	*out_len = 0;
	if (c->step == 0)
		return mongo_send(c, MONGO_ISMASTER, out, cap, out_len);
	if (c->step > MONGO_LISTDB)
		return PORTIER_SVC_NOT;
	v = mongo_reply(in, n, c->step, &doc, &dlen);
	if (v == PORTIER_SVC_MORE && !c->eof)
		return v;
	if (c->step == MONGO_ISMASTER) {
		if (v != PORTIER_SVC_DONE || !mongo_is_hello(doc, dlen))
			return PORTIER_SVC_NOT;
		if (mongo_int(doc, dlen, "maxWireVersion", &wire) && wire > 0)
			c->scratch[MONGO_WIRE] =
				(uint8_t)(wire > 255 ? 255 : wire);
		if (c->scratch[MONGO_WIRE] >= MONGO_OPMSG_WIRE)
			c->scratch[MONGO_FLAGS] |= MONGO_F_OPMSG;
		return mongo_send(c, MONGO_BUILDINFO, out, cap, out_len);
	}
	/* recognised already: a reply that is cut or odd ends the talk */
	if (v != PORTIER_SVC_DONE) {
		mongo_fill(c, s);
		return PORTIER_SVC_DONE;
	}
	if (c->step == MONGO_BUILDINFO) {
		if (svc_bson_find(doc, dlen, "version", &e) &&
		    svc_bson_as_str(&e, &str, &slen))
			svc_text((char *)c->scratch + MONGO_VERSION,
				 MONGO_VERSION_CAP, str, slen);
		return mongo_send(c, MONGO_LISTDB, out, cap, out_len);
	}
	mongo_fill(c, s);
	mongo_listdb(doc, dlen, s);
	return PORTIER_SVC_DONE;
}

static const uint16_t mongo_ports[] = {27017, 27018, 27019, 0};

const struct portier_svc_proto portier_svc_mongodb = {
	.name = "mongodb",
	.ports = mongo_ports,
	.rarity = 5,
	.server_first = false,
	.step = mongo_step,
};
