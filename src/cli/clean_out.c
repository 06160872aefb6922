/*
 * clean_out.c - the views of `portier clean`: the plan, progress, the
 * list of quarantines.  Paths and names come from the system and are
 * cleaned for the terminal first.
 */
#include <stdio.h>
#include <string.h>

#include "cli/clean_out.h"
#include "portier/addr.h"

#define CLEAN_MAX 1024

static const char *term(const char *s, char *buf)
{
	portier_text_clean(buf, CLEAN_MAX, s ? s : "-", PORTIER_TEXT_TERM);
	return buf;
}

static void lines_of(const struct portier_clean_step *s, char *buf, size_t cap)
{
	size_t i, o = 0;

	buf[0] = '\0';
	for (i = 0; i < s->n_lines && o + 12 < cap; i++)
		o += (size_t)snprintf(buf + o, cap - o, "%s%u", i ? "," : "",
				      s->lines[i]);
}

void clean_out_step(const struct cli *cli, const struct portier_clean_step *s,
		    const char *prefix, FILE *f)
{
	char a[CLEAN_MAX], b[CLEAN_MAX], l[256];
	const char *k = portier_clean_kind_name(s->kind);

	fprintf(f, "%s%s%-8s%s ", prefix, cli_color_on(cli, CLI_BOLD), k,
		cli_color_off(cli));
	switch (s->kind) {
	case PORTIER_CLEAN_STOP:
	case PORTIER_CLEAN_KILL:
		fprintf(f, "pid %d (%s)", s->pid, term(s->comm, a));
		if (s->why)
			fprintf(f, ", %s", term(s->why, b));
		if (s->unit)
			fprintf(f, ", and stop %s", term(s->unit, b));
		fputc('\n', f);
		return;
	case PORTIER_CLEAN_BLOCK:
		fprintf(f, "port %u/%s in the firewall (table inet portier)",
			s->port, s->proto == PORTIER_PROTO_UDP ? "udp" : "tcp");
		if (s->fw_point)
			fprintf(f, ", undo point %lu", s->fw_point);
		fputc('\n', f);
		return;
	case PORTIER_CLEAN_MASK:
		fprintf(f, "%s: %s -> /dev/null\n", term(s->unit, a),
			term(s->path, b));
		return;
	default:
		break;
	}
	fprintf(f, "%s", term(s->path[1] ? s->path : "(no path)", a));
	if (s->kind == PORTIER_CLEAN_REWRITE) {
		lines_of(s, l, sizeof(l));
		fprintf(f, " without line %s", l);
	}
	fprintf(f, "  %s", term(s->why, b));
	if (s->unit)
		fprintf(f, " of %s", term(s->unit, a));
	if (s->file.link)
		fprintf(f, " (-> %s)", term(s->file.target, a));
	else if (s->file.sha256[0] && s->kind == PORTIER_CLEAN_SAVE)
		fprintf(f, " sha256 %s", s->file.sha256);
	if (s->kind == PORTIER_CLEAN_SAVE && s->pid)
		fprintf(f, ", of pid %d", s->pid);
	fputc('\n', f);
}

void clean_out_plan(const struct cli *cli, const struct portier_clean_plan *p,
		    FILE *f)
{
	char a[CLEAN_MAX], b[CLEAN_MAX];
	size_t i;

	if (p->port)
		fprintf(f, "clean plan for port %u", p->port);
	else
		fprintf(f, "clean plan for pid %d", p->pid);
	if (strcmp(p->root, "/") != 0)
		fprintf(f, " (root %s)", term(p->root, a));
	fputs(":\n", f);
	if (!p->n_steps)
		fputs("  nothing to do\n", f);
	for (i = 0; i < p->n_steps; i++)
		clean_out_step(cli, &p->steps[i], "  ", f);
	if (p->n_kept)
		fputs("left alone:\n", f);
	for (i = 0; i < p->n_kept; i++)
		fprintf(f, "  %s: %s\n", term(p->kept[i].path, a),
			term(p->kept[i].why, b));
	if (p->reboot)
		fputs("reboot afterwards: /etc/ld.so.preload or a kernel "
		      "module was involved, and running programs keep what "
		      "they loaded\n",
		      f);
}

void clean_out_list_line(const struct portier_clean_plan *p, FILE *f)
{
	size_t i, done = 0;

	for (i = 0; i < p->n_steps; i++)
		if (p->steps[i].state == PORTIER_CLEAN_DONE)
			done++;
	fprintf(f, "%-28s %s  ", p->id, p->created);
	if (p->port)
		fprintf(f, "port %-5u ", p->port);
	else
		fprintf(f, "pid %-6d ", p->pid);
	if (p->undone)
		fputs("undone\n", f);
	else if (done == p->n_steps)
		fprintf(f, "done (%zu steps)\n", done);
	else
		fprintf(f, "stopped after %zu of %zu steps\n", done,
			p->n_steps);
}
