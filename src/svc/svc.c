/*
 * svc.c - the table of service-detection modules and the findings list
 * every module fills (the contract is in include/portier/svc.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "portier/svc.h"

/*
 * Every module, in the order the driver tries them on a port none of them
 * names.  A module is added here and nowhere else.
 */
extern const struct portier_svc_proto portier_svc_http, portier_svc_ftp;

const struct portier_svc_proto *const portier_svc_protos[] = {
	&portier_svc_http, &portier_svc_ftp,
	NULL, /* the end; keeps the array valid while it is empty */
};
const size_t portier_svc_n_protos =
	sizeof(portier_svc_protos) / sizeof(portier_svc_protos[0]) - 1;

const struct portier_svc_proto *portier_svc_proto_find(const char *name)
{
	size_t i;

	for (i = 0; i < portier_svc_n_protos; i++)
		if (strcmp(portier_svc_protos[i]->name, name) == 0)
			return portier_svc_protos[i];
	return NULL;
}

void portier_svc_add_finding(struct portier_svc *s,
			     const struct portier_probe_finding *f,
			     const char *fmt, ...)
{
	struct portier_svc_finding nf;
	va_list ap;
	size_t i;

	memset(&nf, 0, sizeof(nf));
	nf.f = *f;
	va_start(ap, fmt);
	vsnprintf(nf.detail, sizeof(nf.detail), fmt, ap);
	va_end(ap);
	if (s->n_findings == PORTIER_SVC_MAX_FINDINGS) {
		/* full: the last is the least severe; drop it if f is worse */
		if (s->findings[s->n_findings - 1].f.risk >= f->risk)
			return;
		s->n_findings--;
	}
	/* insert after every finding at least as severe: worst first, and
	 * equal risks keep the order they were found in */
	for (i = s->n_findings; i > 0 && s->findings[i - 1].f.risk < f->risk;
	     i--)
		s->findings[i] = s->findings[i - 1];
	s->findings[i] = nf;
	s->n_findings++;
}
