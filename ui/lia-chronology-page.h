/* lia-chronology-page.h: the multi-agency chronology of a case.
 *
 * Every chronology entry this organisation holds, from every agency,
 * merged in date order (lia_chronology_get): tens of thousands scroll in
 * a GtkListView. It can be filtered by agency, exported as CSV (through
 * the file chooser portal when sandboxed), and this organisation adds its
 * own entries here.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "lia-application.h"

G_BEGIN_DECLS

#define LIA_TYPE_CHRONOLOGY_PAGE (lia_chronology_page_get_type ())
G_DECLARE_FINAL_TYPE (LiaChronologyPage, lia_chronology_page, LIA, CHRONOLOGY_PAGE, AdwBin)

LiaChronologyPage *lia_chronology_page_new (LiaApplication *application,
                                            const char     *case_id);

/* How many entries are loaded, and whether the first load is done. */
guint              lia_chronology_page_get_n_entries (LiaChronologyPage *self);
gboolean           lia_chronology_page_is_loaded (LiaChronologyPage *self);

G_END_DECLS
