/* lia-case-row.h: one case in the case list.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "lia-case-summary.h"

G_BEGIN_DECLS

#define LIA_TYPE_CASE_ROW (lia_case_row_get_type ())
G_DECLARE_FINAL_TYPE (LiaCaseRow, lia_case_row, LIA, CASE_ROW, GtkWidget)

GtkWidget *lia_case_row_new (void);
/* Shows @summary (borrowed; NULL to unbind). */
void       lia_case_row_set_summary (LiaCaseRow           *self,
                                     const LiaCaseSummary *summary);

/* The badge's words and style class ("overdue", "soon", "later"); NULL
 * for none. */
const char *lia_badge_label (LiaBadge badge);
const char *lia_badge_css_class (LiaBadge badge);

G_END_DECLS
