/* lia-demo.h: the fictional demonstration case (data/demo/).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "lia-store.h"

G_BEGIN_DECLS

typedef struct
{
  char *case_id;
  char *as_key;       /* which of the demo's organisations this store plays */
  guint n_records;
  guint n_requests;
} LiaDemoResult;

void     lia_demo_result_clear (LiaDemoResult *result);

/* The demo data built into Liaison (data/demo/demo-case.json). */
GBytes  *lia_demo_get_default (GError **error);

/* Loads demo data (format "liaison-demo-1") into @store, all of it or
 * nothing. This organisation plays the demo organisation @as_key (or, when
 * NULL, the first of its own kind); the others become organisations known
 * by name, and their records and decisions are entered as theirs. With
 * @own_only, only what @as_key made or takes part in is loaded, as for one
 * node of a demo with several stores. Every value is validated as if a
 * person had entered it. */
gboolean lia_demo_load (LiaStore      *store,
                        GBytes        *data,
                        const char    *as_key,
                        gboolean       own_only,
                        LiaDemoResult *result,
                        GError       **error);

/* For one node of a demo with a store per organisation, after the lead's
 * node has loaded the case (lia_demo_load() with @own_only) and its facts
 * have reached this store: loads, into that case (@case_id, an id or a
 * unique prefix of one that this store holds), the records that the demo
 * organisation @as_key made, as this organisation's own, and nothing else
 * (the case, its participants and its requests are the lead's). All of
 * them or nothing. @result's counts are of what was loaded. */
gboolean lia_demo_load_into (LiaStore      *store,
                             GBytes        *data,
                             const char    *as_key,
                             const char    *case_id,
                             LiaDemoResult *result,
                             GError       **error);

G_END_DECLS
