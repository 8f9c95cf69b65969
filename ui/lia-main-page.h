/* lia-main-page.h: the cases, while the store is unlocked.
 *
 * The case list beside the case that is open (an AdwLeaflet, which folds
 * into one column on a narrow window), with the actions that need an
 * unlocked store: a new case, the peers, backing up the identity.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "lia-application.h"

G_BEGIN_DECLS

#define LIA_TYPE_MAIN_PAGE (lia_main_page_get_type ())
G_DECLARE_FINAL_TYPE (LiaMainPage, lia_main_page, LIA, MAIN_PAGE, AdwBin)

LiaMainPage *lia_main_page_new (LiaApplication *application);

/* Opens @case_id (selects it in the list and shows it). */
void         lia_main_page_open_case (LiaMainPage *self,
                                      const char  *case_id);

G_END_DECLS
