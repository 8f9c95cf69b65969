/* lia-case-list.h: the list of cases, with search and filters.
 *
 * A GtkListView over every case (so ten thousand scroll as smoothly as
 * ten), loaded on the store's thread and reloaded whenever the store
 * changes. The search matches words in the title, the child's code, the
 * area and the lead; the filters keep open cases, cases this organisation
 * leads, and cases with an overdue deadline.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "lia-application.h"

G_BEGIN_DECLS

#define LIA_TYPE_CASE_LIST (lia_case_list_get_type ())
G_DECLARE_FINAL_TYPE (LiaCaseList, lia_case_list, LIA, CASE_LIST, AdwBin)

LiaCaseList *lia_case_list_new (LiaApplication *application);

/* Selects @case_id if it is in the list (clearing the search and filters
 * if they hide it); once loaded, if it is not loaded yet. */
void         lia_case_list_select (LiaCaseList *self,
                                   const char  *case_id);

/* Puts the keyboard focus in the search entry. */
void         lia_case_list_focus_search (LiaCaseList *self);

/* How many cases are loaded (all of them, whatever the filters). */
guint        lia_case_list_get_n_cases (LiaCaseList *self);

/* Whether the first load has finished. */
gboolean     lia_case_list_is_loaded (LiaCaseList *self);

G_END_DECLS
