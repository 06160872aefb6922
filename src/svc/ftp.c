/*
 * ftp.c - the FTP module (server-first): the 220 greeting names the
 * server; then an anonymous login is tried as nmap's ftp-anon does.  When
 * it is accepted, whether anonymous users may write is judged from what
 * the server says about its root on the control connection only (MLST's
 * perm fact, else the mode bits of a STAT listing); nothing is written
 * unless --intrusive, and then only a directory that is removed at once
 * (MKD, RMD).  Every path ends with QUIT.
 */
#include <stdio.h>
#include <string.h>

#include "portier/svc.h"

#define FTP_PROBE_DIR "portier-probe.tmp"
#define FTP_PASSWORD  "portier@example.org"

/* The phase: what the reply in hand answers. */
enum {
	PH_GREETING,
	PH_USER,
	PH_PASS,
	PH_MLST,
	PH_STAT,
	PH_MKD,
	PH_RMD,
	PH_QUIT,
};

static const struct portier_probe_finding anon_login = {
	PORTIER_RISK_HIGH, "ftp-anon",
	"anyone can log in without a password (USER anonymous) and read "
	"whatever the FTP root holds; FTP also sends everything in clear "
	"text",
	"unless this is a public download server, turn anonymous login off: "
	"vsftpd anonymous_enable=NO in /etc/vsftpd.conf, ProFTPD remove the "
	"<Anonymous> block, IIS disable Anonymous Authentication on the FTP "
	"site; if it must stay, keep it read-only (vsftpd "
	"anon_upload_enable=NO, anon_mkdir_write_enable=NO) with nothing "
	"private under its root"};

static const struct portier_probe_finding anon_write = {
	PORTIER_RISK_HIGH, "ftp-anon-writable",
	"anonymous users may create or change files: the server can be used "
	"to store and spread anything, and files others download can be "
	"replaced",
	"take write access away from anonymous users: vsftpd "
	"anon_upload_enable=NO, anon_mkdir_write_enable=NO, "
	"anon_other_write_enable=NO; make the FTP root and every directory "
	"below it owned by root and not writable by the ftp user"};

/* The code of a complete reply in in[0..n): 100-599, 0 while it is
 * incomplete, -1 when it is not an FTP reply.  A reply is one line
 * "DDD text", or "DDD-text" lines ended by one starting "DDD ". */
static int reply_code(const uint8_t *in, size_t n)
{
	size_t pos = 0;
	int code;

	if (n >= 1 && (in[0] < '1' || in[0] > '5'))
		return -1;
	if (n < 4)
		return 0;
	if (in[1] < '0' || in[1] > '9' || in[2] < '0' || in[2] > '9' ||
	    (in[3] != ' ' && in[3] != '-' && in[3] != '\r'))
		return -1;
	code = (in[0] - '0') * 100 + (in[1] - '0') * 10 + (in[2] - '0');
	while (pos < n) {
		const uint8_t *nl = memchr(in + pos, '\n', n - pos);

		if (!nl)
			return 0;
		if (n - pos >= 4 && memcmp(in + pos, in, 3) == 0 &&
		    in[pos + 3] != '-')
			return code;
		pos = (size_t)(nl - in) + 1;
	}
	return 0;
}

/* The reply's first line as printable text (others '?'), no CR LF. */
static void first_line(const uint8_t *in, size_t n, char *dst, size_t cap)
{
	size_t k, o = 0;

	for (k = 0; k < n && o + 1 < cap && in[k] != '\r' && in[k] != '\n'; k++)
		dst[o++] = in[k] >= 0x20 && in[k] < 0x7f ? (char)in[k] : '?';
	dst[o] = '\0';
}

static enum portier_svc_verdict say(struct portier_svc_conv *c, int phase,
				    const char *line, uint8_t *out, size_t cap,
				    size_t *out_len)
{
	int n = snprintf((char *)out, cap, "%s\r\n", line);

	if (n < 0 || (size_t)n >= cap)
		return PORTIER_SVC_DONE; /* no room: stop where we are */
	*out_len = (size_t)n;
	c->scratch[0] = (uint8_t)phase;
	return PORTIER_SVC_SEND;
}

/* Is a perm fact of an MLST reply one that lets the user write?  (RFC
 * 3659: a append, c create, m make directory, w write, d delete.) */
static bool mlst_writable(const uint8_t *in, size_t n, char *why, size_t len)
{
	char text[1024];
	const char *p;
	size_t k, o = 0;

	for (k = 0; k < n && o + 1 < sizeof(text); k++)
		text[o++] = in[k] ? (char)in[k] : ' ';
	text[o] = '\0';
	p = strstr(text, "perm=");
	if (!p)
		p = strstr(text, "Perm=");
	if (!p)
		return false;
	p += 5;
	for (k = 0; p[k] && p[k] != ';' && p[k] != ' '; k++)
		if (strchr("acmwd", p[k])) {
			snprintf(why, len, "MLST / says perm=%.*s", (int)k + 1,
				 p);
			return true;
		}
	return false;
}

/* In a STAT listing, a directory line whose mode lets others write
 * ("drwxrwxrwx" and the like): its name into why. */
static bool stat_writable(const uint8_t *in, size_t n, char *why, size_t len)
{
	size_t pos = 0;

	while (pos < n) {
		const uint8_t *nl = memchr(in + pos, '\n', n - pos);
		size_t ll = nl ? (size_t)(nl - (in + pos)) : n - pos, s = pos;

		while (s < pos + ll && in[s] == ' ')
			s++;
		if (pos + ll - s >= 10 && in[s] == 'd' && in[s + 8] == 'w') {
			char line[96];

			first_line(in + s, pos + ll - s, line, sizeof(line));
			snprintf(why, len,
				 "STAT / lists a directory others may "
				 "write: %s",
				 line);
			return true;
		}
		pos += ll + 1;
	}
	return false;
}

/* The answer to USER (without a password) or PASS: 230 is in. */
static enum portier_svc_verdict logged_in(struct portier_svc_conv *c, int code,
					  const char *line, uint8_t *out,
					  size_t cap, size_t *out_len,
					  struct portier_svc *s)
{
	if (code != 230)
		return say(c, PH_QUIT, "QUIT", out, cap, out_len);
	portier_svc_add_finding(s, &anon_login, "USER anonymous accepted (%s)",
				line);
	return say(c, PH_MLST, "MLST /", out, cap, out_len);
}

static enum portier_svc_verdict ftp_step(struct portier_svc_conv *c,
					 const uint8_t *in, size_t n,
					 uint8_t *out, size_t cap,
					 size_t *out_len, struct portier_svc *s)
{
	int code = reply_code(in, n);
	char line[128], why[160];
	uint8_t phase = c->scratch[0];

	if (code < 0)
		return phase == PH_GREETING ? PORTIER_SVC_NOT
					    : PORTIER_SVC_DONE;
	if (code == 0 && !c->eof)
		return PORTIER_SVC_MORE;
	if (code == 0) /* cut off: what we know so far */
		return phase == PH_GREETING ? PORTIER_SVC_NOT
					    : PORTIER_SVC_DONE;
	first_line(in, n, line, sizeof(line));
	switch (phase) {
	case PH_GREETING:
		if (code != 220 && code != 421 && code != 120)
			return PORTIER_SVC_NOT;
		snprintf(s->name, sizeof(s->name), "ftp");
		snprintf(s->match_text, sizeof(s->match_text), "%s", line);
		if (code != 220 || c->eof)
			return PORTIER_SVC_DONE; /* busy or closing */
		return say(c, PH_USER, "USER anonymous", out, cap, out_len);
	case PH_USER:
		if (code == 331)
			return say(c, PH_PASS, "PASS " FTP_PASSWORD, out, cap,
				   out_len);
		return logged_in(c, code, line, out, cap, out_len, s);
	case PH_PASS:
		return logged_in(c, code, line, out, cap, out_len, s);
	case PH_MLST:
		if (code == 250 && mlst_writable(in, n, why, sizeof(why))) {
			portier_svc_add_finding(s, &anon_write, "%s", why);
			return say(c, PH_QUIT, "QUIT", out, cap, out_len);
		}
		if (code == 250 && !c->intrusive)
			return say(c, PH_QUIT, "QUIT", out, cap, out_len);
		if (code == 250)
			return say(c, PH_MKD, "MKD " FTP_PROBE_DIR, out, cap,
				   out_len);
		return say(c, PH_STAT, "STAT /", out, cap, out_len);
	case PH_STAT:
		if (code >= 211 && code <= 213 &&
		    stat_writable(in, n, why, sizeof(why))) {
			portier_svc_add_finding(s, &anon_write, "%s", why);
			return say(c, PH_QUIT, "QUIT", out, cap, out_len);
		}
		if (c->intrusive)
			return say(c, PH_MKD, "MKD " FTP_PROBE_DIR, out, cap,
				   out_len);
		return say(c, PH_QUIT, "QUIT", out, cap, out_len);
	case PH_MKD:
		if (code != 257)
			return say(c, PH_QUIT, "QUIT", out, cap, out_len);
		portier_svc_add_finding(s, &anon_write,
					"--intrusive: MKD " FTP_PROBE_DIR
					" accepted (%s); removed again with "
					"RMD",
					line);
		return say(c, PH_RMD, "RMD " FTP_PROBE_DIR, out, cap, out_len);
	case PH_RMD:
		return say(c, PH_QUIT, "QUIT", out, cap, out_len);
	default:
		return PORTIER_SVC_DONE;
	}
}

static const uint16_t ftp_ports[] = {21, 2121, 0};

const struct portier_svc_proto portier_svc_ftp = {
	.name = "ftp",
	.ports = ftp_ports,
	.rarity = 1,
	.server_first = true,
	.step = ftp_step,
};
