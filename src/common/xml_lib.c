/*
 * xml_lib.c - the libxml2 pointers of xml_lib.h and their loader.
 */
#define PORTIER_XML_LIB_DEFINE
#include "common/xml_lib.h"

PORTIER_XML_SYMS(PORTIER_DLSYM_EACH_DEFINE)

static const struct portier_dynsym xml_syms[] = {
	PORTIER_XML_SYMS(PORTIER_DLSYM_EACH)};

int portier_xml_load(struct portier_err *err)
{
	static struct portier_dynlib xml = PORTIER_DYNLIB_INIT(
		"libxml2.so.2", "nmap XML", "libxml2", xml_syms);

	return portier_dynlib_load(&xml, err);
}
