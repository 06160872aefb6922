/*
 * checkpoint.c - guard's memory across kill -9: every tracked source as one
 * line of text, written to a temporary file, flushed to disk and renamed
 * over the old checkpoint (portier_file_replace in file.h), so a crash
 * leaves either the old file or the new one, never half of one.  It is
 * read back only when it is a regular file of this user's that nobody else
 * can write.  The bans themselves live in the kernel's set and survive on
 * their own; the checkpoint keeps the walks, the offence counts that
 * escalate the next ban, and the evidence for --status.  The state
 * directory it lives in is checked by portier_file_state_dir.
 *
 * Format (version 1): a header line "portier-guard 1", then per source
 *   FAMILY ADDR FIRST LAST FLAGGED BAN_UNTIL LLR PROBES FAIL SUCC AT_FLAG
 *   OFFENSES REASON K0,..,K9 NMAP MASSCAN SAME_SPORT LAST_SPORT HEAD
 *   HOST,...                   (this host's addresses probed, or "-")
 *   T:PORT:PROTO:OUTCOME:HOST,...   (or "-" for no touches)
 * A checkpoint is loaded whole or not at all: a line that does not parse,
 * a first line of another program or of a newer format refuses the file
 * (the caller keeps it aside with portier_guard_checkpoint_set_aside and
 * starts empty), so guard never runs on half of its memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guard/guard_int.h"
#include "portier/file.h"

#define MAGIC_WORD "portier-guard"
#define FORMAT	   1
#define MAGIC	   "portier-guard 1"

static bool save_one(const struct portier_guard_source *s, void *ctx)
{
	FILE *f = ctx;
	char addr[PORTIER_ADDR_STRLEN];
	int k;
	uint8_t i;

	portier_addr_str(&s->addr, addr, sizeof(addr));
	fprintf(f,
		"%u %s %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64
		" %.17g %u %u %u %u %u %u ",
		s->addr.family, addr, s->first_us, s->last_us, s->flagged_us,
		s->ban_until_us, s->llr, s->probes, s->failures, s->successes,
		s->probes_at_flag, s->offenses, s->reason);
	for (k = 0; k < PG_KIND_COUNT; k++)
		fprintf(f, "%s%u", k ? "," : "", s->kinds[k]);
	fprintf(f, " %u %u %u %u %u ", s->nmap_like, s->masscan_like,
		s->same_sport, s->last_sport, s->touch_head);
	if (!s->n_hosts)
		fputc('-', f);
	for (i = 0; i < s->n_hosts; i++)
		fprintf(f, "%s%s", i ? "," : "",
			portier_addr_str(&s->hosts[i], addr, sizeof(addr)));
	fputc(' ', f);
	if (!s->n_touch)
		fputc('-', f);
	for (i = 0; i < s->n_touch; i++)
		fprintf(f, "%s%u:%u:%u:%u:%u", i ? "," : "", s->touch[i].t_s,
			s->touch[i].port, s->touch[i].proto,
			(unsigned)s->touch[i].outcome,
			(unsigned)s->touch[i].host);
	fputc('\n', f);
	return !ferror(f);
}

static int save_all(FILE *f, const void *d)
{
	fprintf(f, "%s\n", MAGIC);
	guard_det_each_oldest(d, save_one, f);
	return 0; /* a write error shows on f */
}

int portier_guard_checkpoint_save(const struct portier_guard_det *d,
				  const char *path, struct portier_err *err)
{
	int rc = portier_file_replace(path, save_all, d, err);

	if (rc < 0)
		portier_err_hint(err,
				 "check the state directory exists and is "
				 "writable (--state-dir, PORTIER_STATE_DIR)");
	return rc;
}

static bool parse_u64(char **p, uint64_t *v)
{
	char *end;

	*v = strtoull(*p, &end, 10);
	if (end == *p)
		return false;
	*p = end;
	return true;
}

static bool parse_u32(char **p, uint32_t *v, uint32_t max)
{
	uint64_t x;

	if (!parse_u64(p, &x) || x > max)
		return false;
	*v = (uint32_t)x;
	return true;
}

static bool expect(char **p, char c)
{
	if (**p != c)
		return false;
	(*p)++;
	return true;
}

/* An address of the family given, up to the next ',', ' ' or newline. */
static bool parse_addr(char **p, uint8_t family, struct portier_addr *a)
{
	char text[PORTIER_ADDR_STRLEN];
	size_t len = strcspn(*p, ", \n");

	if (len >= sizeof(text))
		return false;
	memcpy(text, *p, len);
	text[len] = '\0';
	*p += len;
	return portier_addr_parse(text, a) == 0 && a->family == family;
}

/* One line into s; false if anything is off. */
static bool parse_line(char *line, struct portier_guard_source *s)
{
	uint32_t v[8];
	int k;
	char *p = line, *end;

	memset(s, 0, sizeof(*s));
	if (!parse_u32(&p, &v[0], 6) || (v[0] != 4 && v[0] != 6) ||
	    !expect(&p, ' ') || !parse_addr(&p, (uint8_t)v[0], &s->addr))
		return false;
	if (!parse_u64(&p, &s->first_us) || !parse_u64(&p, &s->last_us) ||
	    !parse_u64(&p, &s->flagged_us) || !parse_u64(&p, &s->ban_until_us))
		return false;
	s->llr = strtod(p, &end);
	if (end == p || s->llr != s->llr || s->llr > 1e6 || s->llr < -1e6)
		return false;
	p = end;
	if (!parse_u32(&p, &s->probes, UINT32_MAX) ||
	    !parse_u32(&p, &s->failures, UINT32_MAX) ||
	    !parse_u32(&p, &s->successes, UINT32_MAX) ||
	    !parse_u32(&p, &s->probes_at_flag, UINT32_MAX) ||
	    !parse_u32(&p, &s->offenses, UINT32_MAX) ||
	    !parse_u32(&p, &v[1], PG_REASON_SLOW))
		return false;
	s->reason = (uint8_t)v[1];
	for (k = 0; k < PG_KIND_COUNT; k++) {
		while (*p == ' ')
			p++;
		if ((k && !expect(&p, ',')) ||
		    !parse_u32(&p, &s->kinds[k], UINT32_MAX))
			return false;
	}
	if (!parse_u32(&p, &s->nmap_like, UINT32_MAX) ||
	    !parse_u32(&p, &s->masscan_like, UINT32_MAX) ||
	    !parse_u32(&p, &s->same_sport, UINT32_MAX) ||
	    !parse_u32(&p, &v[2], 65535) ||
	    !parse_u32(&p, &v[3], PORTIER_GUARD_PORTS_KEPT - 1))
		return false;
	s->last_sport = (uint16_t)v[2];
	s->touch_head = (uint8_t)v[3];
	while (*p == ' ')
		p++;
	if (*p == '-') {
		p++;
	} else {
		while (*p && *p != ' ') {
			if (s->n_hosts == PORTIER_GUARD_HOSTS_KEPT ||
			    !parse_addr(&p, s->addr.family,
					&s->hosts[s->n_hosts]))
				return false;
			s->n_hosts++;
			if (*p == ',')
				p++;
		}
	}
	while (*p == ' ')
		p++;
	if (*p == '-')
		return true;
	while (*p && *p != '\n') {
		struct portier_guard_touch *t;

		if (s->n_touch == PORTIER_GUARD_PORTS_KEPT)
			return false;
		t = &s->touch[s->n_touch];
		if ((s->n_touch && !expect(&p, ',')) ||
		    !parse_u32(&p, &t->t_s, UINT32_MAX) || !expect(&p, ':') ||
		    !parse_u32(&p, &v[4], 65535) || !expect(&p, ':') ||
		    !parse_u32(&p, &v[5], 255) || !expect(&p, ':') ||
		    !parse_u32(&p, &v[6], PG_FAILURE) || !expect(&p, ':') ||
		    !parse_u32(&p, &v[7], PORTIER_GUARD_HOST_OTHER))
			return false;
		if (v[7] != PORTIER_GUARD_HOST_OTHER && v[7] >= s->n_hosts)
			return false;
		t->port = (uint16_t)v[4];
		t->proto = (uint8_t)v[5];
		t->outcome = (uint8_t)(v[6] & 0x0f);
		t->host = (uint8_t)(v[7] & 0x0f);
		s->n_touch++;
	}
	if (s->n_touch < PORTIER_GUARD_PORTS_KEPT &&
	    s->touch_head != s->n_touch)
		return false;
	return true;
}

/* The first line: "portier-guard 1".  A number above FORMAT is a newer
 * portier's file; anything else is not a checkpoint at all. */
static int check_header(const char *line, const char *path,
			struct portier_err *err)
{
	unsigned long v;
	char num[16];
	size_t len;

	if (strncmp(line, MAGIC_WORD " ", strlen(MAGIC_WORD " ")) != 0)
		goto foreign;
	line += strlen(MAGIC_WORD " ");
	len = strcspn(line, "\n");
	if (len == 0 || len >= sizeof(num) || line[len] != '\n')
		goto foreign;
	memcpy(num, line, len);
	num[len] = '\0';
	if (portier_parse_ulong(num, 1, ULONG_MAX, &v) < 0)
		goto foreign;
	if (v == FORMAT)
		return 0;
	portier_err_set(err, PORTIER_EINVAL,
			"checkpoint '%s' is format %lu, written by a newer "
			"portier; this one reads format %u",
			path, v, FORMAT);
	portier_err_hint(err, "run the newer portier, or let this one start "
			      "without the old state");
	return PORTIER_EINVAL;
foreign:
	portier_err_set(err, PORTIER_EINVAL, "'%s' is not a guard checkpoint",
			path);
	portier_err_hint(err, "its first line should read '%s'", MAGIC);
	return PORTIER_EINVAL;
}

struct loaded {
	struct portier_guard_source *v;
	size_t n, cap;
};

static int keep(struct loaded *l, const struct portier_guard_source *s)
{
	if (portier_grow(&l->v, &l->cap, l->n + 1, sizeof(*l->v), 64) < 0)
		return PORTIER_ENOMEM;
	l->v[l->n++] = *s;
	return 0;
}

/* Every line of f into l, or the first reason not to believe the file. */
static int read_all(FILE *f, const char *path, struct loaded *l,
		    struct portier_err *err)
{
	char line[2048];
	size_t lineno = 1;
	int rc;

	if (!fgets(line, sizeof(line), f))
		return check_header("", path, err);
	rc = check_header(line, path, err);
	while (rc == 0 && fgets(line, sizeof(line), f)) {
		struct portier_guard_source s;

		lineno++;
		if (!strchr(line, '\n') || !parse_line(line, &s)) {
			portier_err_set(err, PORTIER_EINVAL,
					"checkpoint '%s' is damaged at line "
					"%zu",
					path, lineno);
			portier_err_hint(err, "a checkpoint is loaded whole "
					      "or not at all");
			return PORTIER_EINVAL;
		}
		rc = keep(l, &s);
		if (rc < 0)
			return portier_err_set(
				err, rc, "out of memory loading '%s'", path);
	}
	if (rc == 0 && ferror(f))
		return portier_err_set(err, PORTIER_EIO,
				       "cannot read checkpoint '%s'", path);
	return rc;
}

int portier_guard_checkpoint_load(struct portier_guard_det *d, const char *path,
				  struct portier_err *err)
{
	struct loaded l = {0};
	size_t i;
	FILE *f;
	int rc = portier_file_open_read(AT_FDCWD, NULL, path, PORTIER_FILE_OURS,
					&f, err);

	if (rc < 0)
		return rc;
	rc = read_all(f, path, &l, err);
	fclose(f);
	for (i = 0; rc == 0 && i < l.n; i++)
		rc = portier_guard_det_put(d, &l.v[i]);
	portier_free(l.v);
	if (rc == PORTIER_ENOMEM)
		portier_err_set(err, rc, "out of memory loading '%s'", path);
	return rc;
}

int portier_guard_checkpoint_set_aside(const char *path, uint64_t now_s,
				       char *aside, size_t len,
				       struct portier_err *err)
{
	if ((size_t)snprintf(aside, len, "%s.refused-%" PRIu64, path, now_s) >=
	    len)
		return portier_err_set(err, PORTIER_EINVAL,
				       "no room for the name of '%s' set aside",
				       path);
	if (rename(path, aside) < 0)
		return portier_err_set(err, -errno,
				       "cannot set checkpoint '%s' aside: %s",
				       path, strerror(errno));
	return 0;
}
