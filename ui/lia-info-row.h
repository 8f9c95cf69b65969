/* lia-info-row.h: a row of a boxed list that shows a fact.
 *
 * A title and, under it, a subtitle, both in full (wrapped, never cut
 * short), and widgets at the end (a state's pill, a button): what
 * AdwActionRow shows, laid out the same and styled by the same theme
 * rules, but with its text in a LiaWrapBin, so that a page of them is laid
 * out in one pass over the text rather than a binary search per label
 * (lia-wrap-bin.h). Its title is the AdwPreferencesRow title.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define LIA_TYPE_INFO_ROW (lia_info_row_get_type ())
G_DECLARE_FINAL_TYPE (LiaInfoRow, lia_info_row, LIA, INFO_ROW, AdwPreferencesRow)

/* @subtitle may be NULL. Both are text, not markup. */
GtkWidget  *lia_info_row_new          (const char *title,
                                       const char *subtitle);

/* NULL or "" hides the subtitle. */
void        lia_info_row_set_subtitle (LiaInfoRow *self,
                                       const char *subtitle);
const char *lia_info_row_get_subtitle (LiaInfoRow *self);

/* Adds @widget after the text, after those added before. */
void        lia_info_row_add_suffix   (LiaInfoRow *self,
                                       GtkWidget  *widget);

G_END_DECLS
