/* lia-setup-page.h: the first run.
 *
 * With no store yet, Liaison asks for this organisation's name and kind
 * and a passphrase (twice, with a hint of its strength), or for an
 * identity backup to restore, and creates the store. Key derivation runs
 * on the store's thread while the page says so.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "lia-application.h"

G_BEGIN_DECLS

#define LIA_TYPE_SETUP_PAGE (lia_setup_page_get_type ())
G_DECLARE_FINAL_TYPE (LiaSetupPage, lia_setup_page, LIA, SETUP_PAGE, AdwBin)

void lia_setup_page_set_application (LiaSetupPage   *self,
                                     LiaApplication *application);
/* Clears the passphrases and any message. */
void lia_setup_page_reset (LiaSetupPage *self);

G_END_DECLS
