/* lia-record-dialog.h: adding a record, or a new version of one of ours.
 *
 * The form is the record kind's fields (lia_record_kind_fields): the
 * common ones (title, classification and its basis, handling restrictions,
 * a return or destruction date) and the kind's own. A sensitive or secret
 * classification needs its basis; the model says so if it is missing,
 * and nothing is saved until every value is right.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "lia-application.h"
#include "lia-record.h"

G_BEGIN_DECLS

/* A new record of @kind on @case_id, or, when @record is not NULL, a new
 * version of @record (one of this organisation's). */
void lia_record_dialog_present (LiaApplication  *application,
                                GtkWidget       *parent,
                                const char      *case_id,
                                LiaRecordKind    kind,
                                const LiaRecord *record);

G_END_DECLS
