/*
 * svc.c - the table of service-detection modules and the findings list
 * every module fills (the contract is in include/portier/svc.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "portier/svc.h"
#include "svc/svc_int.h"

/*
 * Every module, in the order the driver tries them on a port none of them
 * names.  A module is added here and nowhere else (and declared in
 * svc_int.h).
 */
const struct portier_svc_proto *const portier_svc_protos[] = {
	/* the server speaks first: judged on the banner */
	&portier_svc_ftp,   /* 21 */
	&portier_svc_ssh,   /* 22, 2222 */
	&portier_svc_smtp,  /* 25, 587, 465 */
	&portier_svc_pop3,  /* 110, 995 */
	&portier_svc_imap,  /* 143, 993 */
	&portier_svc_mysql, /* 3306, 3307 */
	&portier_svc_vnc,   /* 5900-5910 */
	/* the client speaks first */
	&portier_svc_http,	    /* 80, 8080, 8000, ... */
	&portier_svc_smb,	    /* 445, 139 */
	&portier_svc_msrpc,	    /* 135, 593 */
	&portier_svc_redis,	    /* 6379 */
	&portier_svc_memcached,	    /* 11211 */
	&portier_svc_postgresql,    /* 5432, 5433 */
	&portier_svc_mongodb,	    /* 27017-27019 */
	&portier_svc_rdp,	    /* 3389 */
	&portier_svc_elasticsearch, /* 9200 */
	&portier_svc_docker,	    /* 2375 */
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
