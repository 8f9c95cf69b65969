/* lia-chronology-row.h: one entry of the multi-agency chronology.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "lia-record.h"

G_BEGIN_DECLS

#define LIA_TYPE_CHRONOLOGY_ROW (lia_chronology_row_get_type ())
G_DECLARE_FINAL_TYPE (LiaChronologyRow, lia_chronology_row, LIA, CHRONOLOGY_ROW, GtkWidget)

GtkWidget *lia_chronology_row_new (void);
/* Shows @entry (borrowed; NULL to unbind). */
void       lia_chronology_row_set_entry (LiaChronologyRow         *self,
                                         const LiaChronologyEntry *entry);

G_END_DECLS
