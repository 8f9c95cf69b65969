/* lia-records-page.h: every record of a case, by kind.
 *
 * The list of records on one side, the one chosen on the other: its
 * classification and handling restrictions said plainly at the top, its
 * fields, its originator, and who can see it. This organisation adds
 * records of any kind and edits, releases or withdraws its own; another
 * organisation's records are read-only, and trying to share one explains
 * that only its originator can, and offers to ask it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "lia-application.h"

G_BEGIN_DECLS

#define LIA_TYPE_RECORDS_PAGE (lia_records_page_get_type ())
G_DECLARE_FINAL_TYPE (LiaRecordsPage, lia_records_page, LIA, RECORDS_PAGE, AdwBin)

LiaRecordsPage *lia_records_page_new (LiaApplication *application,
                                      const char     *case_id);

/* Shows the record @record_id in the details (once loaded). */
void            lia_records_page_select (LiaRecordsPage *self,
                                         const char     *record_id);

/* A person's words for why an organisation receives a record (the "why"
 * of a LiaRecordRecipient). */
char           *lia_recipient_reason (const char *why);

G_END_DECLS
