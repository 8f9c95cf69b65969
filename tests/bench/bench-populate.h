/* bench-populate.h: a store of realistic shape, for the benchmarks.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "lia-case.h"

G_BEGIN_DECLS

/* Exits with status 2 and @error's message unless @ok. */
void lia_bench_check (gboolean ok,
                      GError  *error);

/* Fills the unlocked @store (whose organisations, this one first, are in
 * @orgs) with @n_cases cases of realistic shape, drawn from @rand, and one
 * case more with @n_entries chronology entries, whose id goes to
 * @big_case. The shape of each case: four or five participants; the
 * notification and rapid review fields; an LCSPR for 60% (decided, some
 * published), an IOPC investigation for 30%, a delay notice for 5%; two or
 * three action items; one disclosed record with a destruction date; five
 * chronology entries; up to three requests. Progress goes to stderr. */
void lia_bench_populate (LiaStore   *store,
                         GPtrArray  *orgs,
                         GRand      *rand,
                         int         n_cases,
                         int         n_entries,
                         char      **big_case);

G_END_DECLS
