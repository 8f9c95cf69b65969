/* lia-actions-page.h: the action plan of a case.
 *
 * Every action-plan item this organisation holds, from every
 * organisation: what is to be done, by whom, by when, and its status,
 * overdue ones marked. This organisation adds its own and updates them.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "lia-application.h"

G_BEGIN_DECLS

#define LIA_TYPE_ACTIONS_PAGE (lia_actions_page_get_type ())
G_DECLARE_FINAL_TYPE (LiaActionsPage, lia_actions_page, LIA, ACTIONS_PAGE, AdwBin)

LiaActionsPage *lia_actions_page_new (LiaApplication *application,
                                      const char     *case_id);

G_END_DECLS
