/*
 * mysql.c - the MySQL/MariaDB module: the server speaks first with its
 * initial handshake packet (protocol 10: server version, connection id,
 * capability flags, auth plugin), or with an error packet when it will not
 * talk to this client at all ("Host '10.0.0.5' is not allowed to
 * connect").  Nothing is sent.
 *
 * match_text is the server version string as the greeting states it
 * ("8.0.36", "5.5.5-10.11.6-MariaDB-0+deb12u1"), or for an error packet
 * "error <code>: <message>".
 */
#include <stdio.h>
#include <string.h>

#include "portier/bytes.h"
#include "portier/svc.h"
#include "svc/svc_int.h"

#define MYSQL_CLIENT_SSL	     0x00000800u
#define MYSQL_ER_HOST_BLOCKED	     1129
#define MYSQL_ER_HOST_NOT_PRIVILEGED 1130
/* A greeting is small; a length far past it is not this protocol. */
#define MYSQL_GREETING_MAX 1024

static const struct portier_probe_finding mysql_no_tls = {
	.risk = PORTIER_RISK_LOW,
	.id = "mysql-no-tls",
	.text = "the server does not offer TLS (no CLIENT_SSL in its "
		"capability flags): logins, queries and results cross the "
		"network in clear text",
	.advice = "configure ssl_cert/ssl_key (MariaDB: ssl_cert, ssl_key; "
		  "MySQL 8 creates them at first start), set "
		  "require_secure_transport=ON, and keep 3306 to the hosts "
		  "that need it (bind-address, `portier firewall`)",
};

/* MariaDB announces itself in the version; since 10.x its greeting starts
 * with "5.5.5-" so that old clients accept it, which is not the version. */
static void mysql_product(struct portier_svc *s, const char *ver)
{
	const char *v = ver;

	if (strstr(ver, "MariaDB") != NULL) {
		snprintf(s->product, sizeof(s->product), "MariaDB");
		if (strncmp(v, "5.5.5-", 6) == 0 && v[6] != '\0')
			v += 6;
	} else {
		snprintf(s->product, sizeof(s->product), "MySQL");
	}
	portier_strlcpy(s->version, v, sizeof(s->version));
}

static enum portier_svc_verdict mysql_greeting(const uint8_t *p, size_t n,
					       struct portier_svc *s)
{
	char ver[sizeof(s->match_text)];
	size_t vlen, off;
	uint32_t caps;

	/* p[0] is the protocol version (10); the server version follows,
	 * a NUL-terminated string that starts with a digit */
	vlen = svc_text_nlen(p + 1, n - 1);
	if (vlen == 0 || vlen == n - 1 || vlen >= sizeof(ver) || p[1] < '0' ||
	    p[1] > '9')
		return PORTIER_SVC_NOT;
	svc_text(ver, sizeof(ver), p + 1, vlen);
	if (strchr(ver, '?') != NULL) /* not printable: not a version */
		return PORTIER_SVC_NOT;
	snprintf(s->name, sizeof(s->name), "mysql");
	snprintf(s->match_text, sizeof(s->match_text), "%s", ver);
	mysql_product(s, ver);
	s->probed = true;
	s->conf = 10;
	/* connection id (4), auth data part 1 (8), filler (1), the low
	 * capability flags (2); a pre-4.1 greeting may end before them */
	off = 1 + vlen + 1 + 4 + 8 + 1;
	if (n < off + 2)
		return PORTIER_SVC_DONE;
	caps = get_le16(p + off);
	/* charset (1), status (2), then the high capability flags (2) */
	if (n >= off + 2 + 1 + 2 + 2)
		caps |= (uint32_t)get_le16(p + off + 5) << 16;
	if (!(caps & MYSQL_CLIENT_SSL))
		portier_svc_add_finding(s, &mysql_no_tls,
					"capability flags 0x%08x without "
					"CLIENT_SSL (server %s)",
					caps, s->match_text);
	return PORTIER_SVC_DONE;
}

static enum portier_svc_verdict mysql_error(const uint8_t *p, size_t n,
					    struct portier_svc *s)
{
	char msg[160];
	unsigned code;
	size_t off = 3;

	/* 0xff, the error code (2), for 4.1+ after the handshake a '#' and
	 * a 5-character SQL state, then the message to the packet's end */
	if (n < 4)
		return PORTIER_SVC_NOT;
	code = get_le16(p + 1);
	if (code < 1000 || code > 9999)
		return PORTIER_SVC_NOT;
	if (p[off] == '#' && n >= off + 6)
		off += 6;
	svc_text(msg, sizeof(msg), p + off, n - off);
	snprintf(s->name, sizeof(s->name), "mysql");
	snprintf(s->match_text, sizeof(s->match_text), "error %u: %s", code,
		 msg);
	/* the message names the server kind; the version stays unknown */
	if (strstr(msg, "MariaDB") != NULL)
		snprintf(s->product, sizeof(s->product), "MariaDB");
	else if (strstr(msg, "MySQL") != NULL)
		snprintf(s->product, sizeof(s->product), "MySQL");
	if (code == MYSQL_ER_HOST_NOT_PRIVILEGED ||
	    code == MYSQL_ER_HOST_BLOCKED)
		snprintf(s->extrainfo, sizeof(s->extrainfo), "unauthorized");
	else
		snprintf(s->extrainfo, sizeof(s->extrainfo), "error %u", code);
	s->probed = true;
	s->conf = 8;
	return PORTIER_SVC_DONE;
}

static enum portier_svc_verdict
mysql_step(struct portier_svc_conv *c, const uint8_t *in, size_t n,
	   uint8_t *out, size_t cap, size_t *out_len, struct portier_svc *s)
{
	size_t len;

	(void)out;
	(void)cap;
	*out_len = 0;
	/* a packet: 3-byte little-endian length, sequence id 0, payload */
	if (n < 5)
		return c->eof ? PORTIER_SVC_NOT : PORTIER_SVC_MORE;
	len = in[0] | (size_t)in[1] << 8 | (size_t)in[2] << 16;
	if (in[3] != 0 || len < 2 || len > MYSQL_GREETING_MAX)
		return PORTIER_SVC_NOT;
	if (in[4] != 10 && in[4] != 0xff)
		return PORTIER_SVC_NOT;
	if (n < 4 + len)
		return c->eof ? PORTIER_SVC_NOT : PORTIER_SVC_MORE;
	if (in[4] == 0xff)
		return mysql_error(in + 4, len, s);
	return mysql_greeting(in + 4, len, s);
}

static const uint16_t mysql_ports[] = {3306, 3307, 0};

const struct portier_svc_proto portier_svc_mysql = {
	.name = "mysql",
	.ports = mysql_ports,
	.rarity = 1,
	.server_first = true,
	.step = mysql_step,
};
