/* lia-case-view.h: one case, page by page.
 *
 * An AdwViewStack of the case's pages (overview, chronology, records,
 * requests, sharing, disclosure log, actions) under a header with the
 * case's title. Each page loads what it shows when it is first shown,
 * so opening a case costs only what its first page needs, and reloads
 * whenever the store says the case changed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "lia-application.h"
#include "lia-case.h"

G_BEGIN_DECLS

/* What the case view loads for its header and its overview. */
typedef struct
{
  LiaCase   *lcase;       /* owned, with fields, participants, attendees, delays */
  GPtrArray *milestones;  /* owned LiaMilestone, in table order */
  LiaOrg    *self;        /* owned: this organisation */
  GPtrArray *orgs;        /* owned LiaOrg: every organisation this store knows */
  GDate      today;
} LiaCaseData;

void lia_case_data_free (LiaCaseData *data);

/* Whether this organisation leads the case. */
gboolean lia_case_data_is_lead (const LiaCaseData *data);

#define LIA_TYPE_CASE_VIEW (lia_case_view_get_type ())
G_DECLARE_FINAL_TYPE (LiaCaseView, lia_case_view, LIA, CASE_VIEW, AdwBin)

LiaCaseView *lia_case_view_new (LiaApplication *application,
                                const char     *case_id);

const char  *lia_case_view_get_case_id (LiaCaseView *self);

/* Shows the page named @name ("overview", "chronology", "records",
 * "requests", "sharing", "log", "actions"). */
void         lia_case_view_show_page (LiaCaseView *self,
                                      const char  *name);

G_END_DECLS
