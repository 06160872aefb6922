/*
 * guard_int.h - what the files of src/guard/ share and nobody else needs.
 */
#ifndef PORTIER_GUARD_INT_H
#define PORTIER_GUARD_INT_H

#include <jansson.h>

#include "portier/guard.h"

/* The tracked sources, least recently seen first (checkpoints save in this
 * order so that loading them restores the LRU order). */
void guard_det_each_oldest(const struct portier_guard_det *d,
			   bool (*fn)(const struct portier_guard_source *s,
				      void *ctx),
			   void *ctx);

/* Count p's tool fingerprints (nmap-like, masscan-like) into s. */
void guard_fingerprint(struct portier_guard_source *s,
		       const struct portier_guard_probe *p,
		       enum portier_guard_kind k);

/* o as one line of compact JSON (portier_malloc'd; NULL when out of
 * memory or o is NULL); o is released. */
char *guard_json_line(json_t *o);

#endif
