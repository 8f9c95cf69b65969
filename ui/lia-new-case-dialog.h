/* lia-new-case-dialog.h: opening a case.
 *
 * A short form: the case's title, the child's anonymised code, the area,
 * when the local authority became aware and (if known) when the incident
 * happened, the kind of notification, and this organisation's point of
 * contact. Every value is checked before anything is saved.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "lia-application.h"

G_BEGIN_DECLS

typedef void (*LiaCaseCreatedFunc) (const char *case_id,
                                    gpointer    user_data);

/* Shows the form over @parent's window; @callback gets the new case's id
 * once it is saved (while @user_data, a widget, is still there). */
void lia_new_case_dialog_present (LiaApplication    *application,
                                  GtkWidget         *parent,
                                  LiaCaseCreatedFunc callback,
                                  gpointer           user_data);

G_END_DECLS
