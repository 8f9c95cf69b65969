/* lia-sharing-page.h: who receives this organisation's records on a case.
 *
 * The need-to-know matrix: for each kind of record (chronology entries,
 * interview products, reports, ...) and each participant, whether this
 * organisation shares its records of that kind with it; changing a box
 * seals what is now due for that participant. Below it, for each of this
 * organisation's records of a chosen kind, exactly who can see it and
 * why. Other organisations' records are theirs to share: they are not
 * here, and the records page explains that.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "lia-application.h"

G_BEGIN_DECLS

#define LIA_TYPE_SHARING_PAGE (lia_sharing_page_get_type ())
G_DECLARE_FINAL_TYPE (LiaSharingPage, lia_sharing_page, LIA, SHARING_PAGE, AdwBin)

LiaSharingPage *lia_sharing_page_new (LiaApplication *application,
                                      const char     *case_id);

G_END_DECLS
