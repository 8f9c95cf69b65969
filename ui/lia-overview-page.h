/* lia-overview-page.h: a case at a glance.
 *
 * The case's facts, its statutory timeline (every milestone with its due
 * date, state and the rule behind it, in date order, today marked), its
 * participants and their points of contact, and each process with its
 * fields. The lead organisation edits the facts and processes and adds
 * participants from here.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "lia-application.h"
#include "lia-case-view.h"

G_BEGIN_DECLS

#define LIA_TYPE_OVERVIEW_PAGE (lia_overview_page_get_type ())
G_DECLARE_FINAL_TYPE (LiaOverviewPage, lia_overview_page, LIA, OVERVIEW_PAGE, AdwBin)

LiaOverviewPage *lia_overview_page_new (LiaApplication *application,
                                        const char     *case_id);

/* Shows @data (the case view's load; taken). */
void             lia_overview_page_set_data (LiaOverviewPage *self,
                                             LiaCaseData     *data);

G_END_DECLS
