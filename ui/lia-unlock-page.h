/* lia-unlock-page.h: the passphrase that unlocks the store.
 *
 * Key derivation (Argon2id) takes seconds by design, so it runs on the
 * store's thread while the page shows that it is working; a wrong
 * passphrase is said in place, under the entry, and the entry is ready
 * for another try.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "lia-application.h"

G_BEGIN_DECLS

#define LIA_TYPE_UNLOCK_PAGE (lia_unlock_page_get_type ())
G_DECLARE_FINAL_TYPE (LiaUnlockPage, lia_unlock_page, LIA, UNLOCK_PAGE, AdwBin)

void lia_unlock_page_set_application (LiaUnlockPage  *self,
                                      LiaApplication *application);
/* Clears the entry and any message. */
void lia_unlock_page_reset (LiaUnlockPage *self);
void lia_unlock_page_focus (LiaUnlockPage *self);

G_END_DECLS
