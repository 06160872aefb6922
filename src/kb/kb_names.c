/*
 * kb_names.c - names of the knowledge base's enumerations, both ways.
 * Shared with the build-time generator, so data files and the tool spell
 * every value the same.
 */
#include <string.h>

#include "portier/kb.h"

static const char *const risk_names[] = {"none", "low", "medium", "high"};
static const char *const scope_names[] = {"any", "lan", "local"};
static const char *const class_names[] = {"well-known", "registered",
					  "dynamic"};

static const struct {
	unsigned mask;
	const char *name;
} proto_names[] = {
	{PORTIER_PROTO_TCP, "tcp"},
	{PORTIER_PROTO_UDP, "udp"},
	{PORTIER_PROTO_SCTP, "sctp"},
	{PORTIER_PROTO_DCCP, "dccp"},
	{PORTIER_PROTO_TCP | PORTIER_PROTO_UDP, "tcp+udp"},
};

enum portier_port_class portier_port_class(uint16_t port)
{
	if (port <= 1023)
		return PORTIER_CLASS_WELL_KNOWN;
	if (port <= 49151)
		return PORTIER_CLASS_REGISTERED;
	return PORTIER_CLASS_DYNAMIC;
}

const char *portier_port_class_name(enum portier_port_class c)
{
	return (unsigned)c < 3 ? class_names[c] : "?";
}

const char *portier_risk_name(enum portier_risk r)
{
	return (unsigned)r < 4 ? risk_names[r] : "?";
}

const char *portier_scope_name(enum portier_scope s)
{
	return (unsigned)s < 3 ? scope_names[s] : "?";
}

const char *portier_proto_name(unsigned protos)
{
	size_t i;

	for (i = 0; i < sizeof(proto_names) / sizeof(proto_names[0]); i++)
		if (proto_names[i].mask == protos)
			return proto_names[i].name;
	return "?";
}

int portier_proto_parse(const char *s, unsigned *protos)
{
	size_t i;

	for (i = 0; i < sizeof(proto_names) / sizeof(proto_names[0]); i++) {
		if (strcmp(s, proto_names[i].name) == 0) {
			*protos = proto_names[i].mask;
			return 0;
		}
	}
	return PORTIER_EINVAL;
}

int portier_risk_parse(const char *s, enum portier_risk *r)
{
	size_t i;

	for (i = 0; i < 4; i++) {
		if (strcmp(s, risk_names[i]) == 0) {
			*r = (enum portier_risk)i;
			return 0;
		}
	}
	return PORTIER_EINVAL;
}
