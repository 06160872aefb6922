/*
 * kb_data.h - the tables tools/kbgen writes into build/kb_data.c from
 * data/...tsv files.  Both are sorted (kb_entry_cmp, kb_iana_cmp) and checked.
 */
#ifndef PORTIER_KB_DATA_H
#define PORTIER_KB_DATA_H

#include "portier/kb.h"

extern const struct portier_kb_entry kb_builtin_entries[];
extern const size_t kb_builtin_count;
extern const struct portier_iana_entry kb_iana_entries[];
extern const size_t kb_iana_count;

#endif
