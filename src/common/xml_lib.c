/*
 * xml_lib.c - the libxml2 pointers of xml_lib.h and their loader.
 */
#define PORTIER_XML_LIB_DEFINE
#include "common/xml_lib.h"

#define XML_DEFINE(f) PORTIER_DLSYM_DEFINE(f);
#define XML_SYM(f)    PORTIER_DLSYM(f),

PORTIER_XML_SYMS(XML_DEFINE)

static const struct portier_dynsym xml_syms[] = {PORTIER_XML_SYMS(XML_SYM)};

int portier_xml_load(struct portier_err *err)
{
	static struct portier_dynlib xml = PORTIER_DYNLIB_INIT(
		"libxml2.so.2", "nmap XML", "libxml2", xml_syms);

	return portier_dynlib_load(&xml, err);
}
