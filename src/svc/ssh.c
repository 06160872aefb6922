/*
 * ssh.c - SSH (RFC 4253): the server's identification line names the
 * protocol and the software; after we send ours, the server's
 * SSH_MSG_KEXINIT lists the algorithms it accepts, which are judged.
 */
#include <stdio.h>
#include <string.h>

#include "portier/bytes.h"
#include "svc/svc_int.h"

/* RFC 4253 4.2: lines before the identification are allowed; we read a few */
#define SSH_PRE_LINES 8
/* RFC 4253 6.1: every implementation handles packets of 35000 bytes */
#define SSH_PACKET_MAX	35000
#define SSH_MSG_KEXINIT 20

static const uint16_t ssh_ports[] = {22, 2222, 0};

static const struct portier_probe_finding weak_algos = {
	PORTIER_RISK_MEDIUM,
	"ssh-weak-algorithms",
	"The server accepts key exchanges, host keys, ciphers or MACs that are "
	"broken or too weak (SHA-1 key exchange, 1024-bit DH, DSA, CBC or RC4 "
	"ciphers, MD5 or 96-bit MACs); a client that prefers them, or an "
	"attacker in the middle of a downgrade, gets weak protection.",
	"Linux (OpenSSH): set KexAlgorithms, HostKeyAlgorithms, Ciphers and "
	"MACs in /etc/ssh/sshd_config (or a file in sshd_config.d) to modern "
	"choices only (curve25519-sha256, ssh-ed25519, chacha20-poly1305, "
	"aes*-gcm, aes*-ctr, *-etm MACs), check with 'sshd -T', reload sshd. "
	"Windows (OpenSSH server): the same keywords in "
	"%ProgramData%\\ssh\\sshd_config, then restart the sshd service.",
};

static const struct portier_probe_finding rsa_sha1 = {
	PORTIER_RISK_LOW,
	"ssh-rsa-sha1-signature",
	"The server still signs with ssh-rsa, an RSA signature over SHA-1; "
	"SHA-1 collisions are practical, so clients have stopped trusting it "
	"(the RSA key itself is fine with rsa-sha2-256/512).",
	"Linux: in sshd_config list HostKeyAlgorithms without ssh-rsa (keep "
	"rsa-sha2-512,rsa-sha2-256 for the same key) and reload sshd; "
	"Windows: the same in %ProgramData%\\ssh\\sshd_config.",
};

static const struct portier_probe_finding proto1 = {
	PORTIER_RISK_HIGH,
	"ssh-protocol-1",
	"The server speaks only SSH protocol 1, which has known design flaws "
	"(CRC-32 integrity, session hijacking and key recovery attacks) and "
	"was removed from OpenSSH in 7.6.",
	"Upgrade the SSH server to one that speaks protocol 2 only (OpenSSH: "
	"any release since 7.6; 'Protocol 2' in older sshd_config); on "
	"network equipment, enable SSHv2 ('ip ssh version 2') or turn SSH off.",
};

static const struct portier_probe_finding algos = {
	PORTIER_RISK_NONE,
	"ssh-algorithms",
	"What the server offers in its key exchange, in its order of "
	"preference (RFC 4253 7.1).",
	"Nothing to fix by itself; see ssh-weak-algorithms.",
};

/* Is the algorithm name a[0..n) weak for its list? */
static bool weak_kex(const uint8_t *a, size_t n)
{
	static const char *const exact[] = {
		"diffie-hellman-group1-sha1",
		"diffie-hellman-group14-sha1",
		"diffie-hellman-group-exchange-sha1",
		"rsa1024-sha1",
	};
	size_t i;

	for (i = 0; i < sizeof(exact) / sizeof(exact[0]); i++)
		if (n == strlen(exact[i]) && memcmp(a, exact[i], n) == 0)
			return true;
	/* GSS-API key exchanges over SHA-1: gss-group1-sha1-*, gss-gex-sha1-* */
	return svc_starts(a, n, "gss-", false) &&
	       memmem(a, n, "sha1", 4) != NULL;
}

static bool weak_hostkey(const uint8_t *a, size_t n)
{
	return svc_starts(a, n, "ssh-dss", false);
}

static bool weak_cipher(const uint8_t *a, size_t n)
{
	return svc_starts(a, n, "arcfour", false) ||
	       svc_starts(a, n, "3des-cbc", false) ||
	       svc_starts(a, n, "blowfish-cbc", false) ||
	       svc_starts(a, n, "cast128-cbc", false) ||
	       svc_starts(a, n, "des", false) ||
	       (svc_starts(a, n, "aes", false) &&
		memmem(a, n, "-cbc", 4) != NULL) ||
	       svc_starts(a, n, "rijndael-cbc", false) ||
	       (n == 4 && memcmp(a, "none", 4) == 0);
}

static bool weak_mac(const uint8_t *a, size_t n)
{
	const uint8_t *at = memchr(a, '@', n);
	size_t base = at ? (size_t)(at - a) : n;

	if (memmem(a, n, "md5", 3) != NULL)
		return true;
	/* a MAC cut to 96 bits: hmac-sha1-96, hmac-sha1-96-etm@openssh.com */
	if (memmem(a, base, "-96", 3) != NULL)
		return true;
	return n == 4 && memcmp(a, "none", 4) == 0;
}

struct ssh_list {
	const uint8_t *p;
	size_t n;
};

/* The weak names found, written into a finding's detail as far as they
 * fit, with a count of the rest. */
struct weak_text {
	char buf[sizeof(((struct portier_svc_finding *)0)->detail)];
	size_t len;
	unsigned found, dropped;
};

/* Room kept at the end of the detail for " (+NNN more)". */
#define WEAK_TAIL 12

static void weak_add(struct weak_text *w, const char *label, bool first,
		     const uint8_t *name, size_t k)
{
	size_t cap = sizeof(w->buf) - WEAK_TAIL;
	int m;

	w->found++;
	if (w->dropped == 0 && w->len < cap) {
		m = snprintf(w->buf + w->len, cap - w->len, "%s%s%.*s",
			     w->len ? (first ? "; " : ",") : "",
			     first ? label : "", (int)k, (const char *)name);
		if (m > 0 && (size_t)m < cap - w->len) {
			w->len += (size_t)m;
			return;
		}
		w->buf[w->len] = '\0'; /* that name does not fit: cut before */
	}
	w->dropped++;
}

/* Is name[0..k) in list l? */
static bool in_list(const struct ssh_list *l, const uint8_t *name, size_t k)
{
	size_t j = 0;

	while (j < l->n) {
		size_t s0 = j;

		while (j < l->n && l->p[j] != ',')
			j++;
		if (j - s0 == k && memcmp(l->p + s0, name, k) == 0)
			return true;
		j++;
	}
	return false;
}

/* Add the weak names of list l, and of l2 when it names others (the
 * server-to-client list mostly repeats the client-to-server one). */
static void add_weak(struct weak_text *w, const char *label,
		     const struct ssh_list *l, const struct ssh_list *l2,
		     bool (*weak)(const uint8_t *, size_t))
{
	unsigned pass, before = w->found;

	for (pass = 0; pass < 2; pass++) {
		const struct ssh_list *x = pass == 0 ? l : l2;
		size_t i = 0;

		if (!x)
			continue;
		while (i < x->n) {
			size_t start = i, k;

			while (i < x->n && x->p[i] != ',')
				i++;
			k = i - start;
			i++;
			if (k == 0 || !weak(x->p + start, k) ||
			    (pass == 1 && in_list(l, x->p + start, k)))
				continue;
			weak_add(w, label, w->found == before, x->p + start, k);
		}
	}
}

/* The number of names in a list and the first one. */
static size_t count_names(const struct ssh_list *l, size_t *first)
{
	size_t i, c = l->n ? 1 : 0;

	*first = l->n;
	for (i = 0; i < l->n; i++)
		if (l->p[i] == ',') {
			if (*first == l->n)
				*first = i;
			c++;
		}
	return c;
}

/* Does list l hold exactly name? */
static bool has_name(const struct ssh_list *l, const char *name)
{
	return svc_has_word(l->p, l->n, name);
}

/*
 * Read the binary packet at in[0..n) as SSH_MSG_KEXINIT and judge it.
 * MORE while it is incomplete (and not final); false when it is not one.
 */
static enum portier_svc_verdict kexinit(struct portier_svc_conv *c,
					const uint8_t *in, size_t n,
					struct portier_svc *s)
{
	struct ssh_list lists[10];
	size_t plen, pad, end, off, i;
	struct weak_text w;
	bool final = svc_final(c, n);

	if (n < 6)
		return final ? PORTIER_SVC_DONE : PORTIER_SVC_MORE;
	plen = get_be32(in);
	pad = in[4];
	/* payload = packet_length - padding_length - 1 >= 1 + 16 cookie */
	if (plen > SSH_PACKET_MAX || plen < 1 + pad + 17 ||
	    in[5] != SSH_MSG_KEXINIT)
		return PORTIER_SVC_DONE; /* ssh, but no readable KEXINIT */
	if (n - 4 < plen && !final)
		return PORTIER_SVC_MORE;
	end = 4 + plen - pad; /* end of the payload */
	if (end > n)
		end = n; /* judge the lists that arrived whole */
	memset(&w, 0, sizeof(w));
	off = 6 + 16;
	for (i = 0; i < 10; i++) {
		size_t l;

		if (off > end || end - off < 4)
			break;
		l = get_be32(in + off);
		off += 4;
		if (l > end - off)
			break;
		lists[i].p = in + off;
		lists[i].n = l;
		off += l;
	}
	if (i < 6)
		return PORTIER_SVC_DONE; /* no kex, host key, cipher, MAC */
	add_weak(&w, "kex: ", &lists[0], NULL, weak_kex);
	add_weak(&w, "hostkey: ", &lists[1], NULL, weak_hostkey);
	add_weak(&w, "cipher: ", &lists[2], &lists[3], weak_cipher);
	add_weak(&w, "mac: ", &lists[4], &lists[5], weak_mac);
	if (w.dropped)
		snprintf(w.buf + w.len, sizeof(w.buf) - w.len, " (+%u more)",
			 w.dropped);
	if (w.found)
		portier_svc_add_finding(s, &weak_algos, "%s", w.buf);
	if (has_name(&lists[1], "ssh-rsa"))
		portier_svc_add_finding(s, &rsa_sha1,
					"host key algorithm ssh-rsa offered");
	{
		size_t k0, c0, m0;
		size_t nk = count_names(&lists[0], &k0);
		size_t nc = count_names(&lists[2], &c0);
		size_t nm = count_names(&lists[4], &m0);

		/* the host key types in full, the rest counted with the
		 * server's first choice; a cut falls on the last choice */
		portier_svc_add_finding(
			s, &algos,
			"hostkey %.*s; kex %zu, cipher %zu, mac %zu; "
			"prefers %.*s, %.*s, %.*s",
			(int)lists[1].n, (const char *)lists[1].p, nk, nc, nm,
			(int)k0, (const char *)lists[0].p, (int)c0,
			(const char *)lists[2].p, (int)m0,
			(const char *)lists[4].p);
	}
	return PORTIER_SVC_DONE;
}

/* Find the identification line in the banner; its offset and length. */
static enum portier_svc_verdict find_ident(const uint8_t *in, size_t n,
					   bool final, unsigned pre,
					   size_t *off, size_t *len,
					   size_t *next)
{
	size_t o = 0, l, nx, lines;

	for (lines = 0; lines <= pre; lines++) {
		size_t k = n - o < 4 ? n - o : 4;

		if (memcmp(in + o, "SSH-", k) == 0) {
			if (svc_line(in, n, o, &l, &nx) && l >= 4) {
				*off = o;
				*len = l;
				*next = nx;
				return PORTIER_SVC_DONE;
			}
			/* RFC 4253 4.2: the line is at most 255 bytes */
			if (n - o > 255)
				return PORTIER_SVC_NOT;
			return final ? PORTIER_SVC_NOT : PORTIER_SVC_MORE;
		}
		if (pre == 0)
			return PORTIER_SVC_NOT;
		/* another line first: it must end before the next */
		if (!svc_line(in, n, o, &l, &nx))
			return final || n - o > 1024 ? PORTIER_SVC_NOT
						     : PORTIER_SVC_MORE;
		o = nx;
		if (o >= n)
			return final ? PORTIER_SVC_NOT : PORTIER_SVC_MORE;
	}
	return PORTIER_SVC_NOT;
}

static enum portier_svc_verdict ssh_step(struct portier_svc_conv *c,
					 const uint8_t *in, size_t n,
					 uint8_t *out, size_t cap,
					 size_t *out_len, struct portier_svc *s)
{
	size_t off, len, next, vl;
	const uint8_t *line, *proto_end;
	enum portier_svc_verdict v;

	if (c->step == 1)
		return kexinit(c, in, n, s);
	if (c->step != 0 || n == 0)
		return PORTIER_SVC_NOT;
	/* lines before the identification only where SSH is expected:
	 * elsewhere a banner of text is some other service's */
	v = find_ident(in, n, svc_final(c, n),
		       svc_port_in(ssh_ports, c->port) ? SSH_PRE_LINES : 0,
		       &off, &len, &next);
	if (v != PORTIER_SVC_DONE)
		return v;
	line = in + off;
	/* SSH-protoversion-softwareversion [SP comments] */
	proto_end = memchr(line + 4, '-', len - 4);
	if (!proto_end || proto_end == line + 4)
		return PORTIER_SVC_NOT;
	vl = (size_t)(proto_end - (line + 4));
	if (vl > 8 || (line[4] != '1' && line[4] != '2') || line[5] != '.')
		return PORTIER_SVC_NOT;
	svc_recognised(s, "ssh");
	svc_text(s->match_text, sizeof(s->match_text), line, len);
	snprintf(s->extrainfo, sizeof(s->extrainfo), "protocol %.*s", (int)vl,
		 (const char *)line + 4);
	if (line[4] == '1' && !(vl == 4 && memcmp(line + 4, "1.99", 4) == 0)) {
		portier_svc_add_finding(s, &proto1, "server speaks SSH-%.*s",
					(int)vl, (const char *)line + 4);
		return PORTIER_SVC_DONE;
	}
	c->step = 1;
	/* a server that sent its KEXINIT with the banner: judge it now */
	if (n > next && n - next >= 5 &&
	    (size_t)get_be32(in + next) <= n - next - 4)
		return kexinit(c, in + next, n - next, s);
	return svc_send(c, "SSH-2.0-portier\r\n", out, cap, out_len,
			PORTIER_SVC_DONE);
}

const struct portier_svc_proto portier_svc_ssh = {
	.name = "ssh",
	.ports = ssh_ports,
	.rarity = 1,
	.server_first = true,
	.step = ssh_step,
};
