/*
 * xml_lib.h - libxml2 for the nmap XML that scan writes (src/out/xml.c)
 * and that the scan store imports (src/store/scanfile.c), loaded when one
 * of them first needs it (include/portier/dynlib.h): linked, libxml2 and
 * the ICU and C++ runtime it pulls in cost every command 2 MB of memory.
 *
 * Include this instead of the libxml headers.  The library's names below
 * stand for the pointers xml_lib.c fills, so the code calls them as
 * libxml2 documents them; call portier_xml_load first (0, or PORTIER_EIO
 * with err saying which package to install).  A function not listed here
 * fails to link: add it to both lists.
 */
#ifndef PORTIER_COMMON_XML_LIB_H
#define PORTIER_COMMON_XML_LIB_H

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlwriter.h>

#include "portier/dynlib.h"

int portier_xml_load(struct portier_err *err);

/* clang-format off */
#define PORTIER_XML_SYMS(X) \
	X(xmlDocGetRootElement) \
	X(xmlFreeDoc) \
	X(xmlFreeTextWriter) \
	X(xmlGetProp) \
	X(xmlNewTextWriter) \
	X(xmlOutputBufferClose) \
	X(xmlOutputBufferCreateFile) \
	X(xmlReadMemory) \
	X(xmlTextWriterEndDocument) \
	X(xmlTextWriterEndElement) \
	X(xmlTextWriterFlush) \
	X(xmlTextWriterStartDocument) \
	X(xmlTextWriterStartElement) \
	X(xmlTextWriterWriteAttribute) \
	X(xmlTextWriterWriteDTD) \
	X(xmlTextWriterWriteFormatAttribute) \
	X(xmlTextWriterWriteFormatComment) \
	X(xmlTextWriterWriteString) \
	X(xmlFree)
/* clang-format on */

PORTIER_XML_SYMS(PORTIER_DLSYM_EACH_DECLARE)

/* xml_lib.c itself names the library's functions */
#ifndef PORTIER_XML_LIB_DEFINE
#define xmlDocGetRootElement		  sym_xmlDocGetRootElement
#define xmlFreeDoc			  sym_xmlFreeDoc
#define xmlFreeTextWriter		  sym_xmlFreeTextWriter
#define xmlGetProp			  sym_xmlGetProp
#define xmlNewTextWriter		  sym_xmlNewTextWriter
#define xmlOutputBufferClose		  sym_xmlOutputBufferClose
#define xmlOutputBufferCreateFile	  sym_xmlOutputBufferCreateFile
#define xmlReadMemory			  sym_xmlReadMemory
#define xmlTextWriterEndDocument	  sym_xmlTextWriterEndDocument
#define xmlTextWriterEndElement		  sym_xmlTextWriterEndElement
#define xmlTextWriterFlush		  sym_xmlTextWriterFlush
#define xmlTextWriterStartDocument	  sym_xmlTextWriterStartDocument
#define xmlTextWriterStartElement	  sym_xmlTextWriterStartElement
#define xmlTextWriterWriteAttribute	  sym_xmlTextWriterWriteAttribute
#define xmlTextWriterWriteDTD		  sym_xmlTextWriterWriteDTD
#define xmlTextWriterWriteFormatAttribute sym_xmlTextWriterWriteFormatAttribute
#define xmlTextWriterWriteFormatComment	  sym_xmlTextWriterWriteFormatComment
#define xmlTextWriterWriteString	  sym_xmlTextWriterWriteString
/* xmlFree is a variable holding libxml2's deallocator, not a function */
#define xmlFree (*sym_xmlFree)
#endif

#endif
