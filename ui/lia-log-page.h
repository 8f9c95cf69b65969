/* lia-log-page.h: the disclosure log of a case.
 *
 * What passed between this organisation and the others on the case:
 * disclosed, received, declined, redirected, withheld, extended, withdrawn,
 * returned, destroyed, each with when, to or from whom, under which
 * decision and why. Above it, whether the whole log verifies: its hash
 * chain and every signature (lia_log_verify_full). It can be exported as
 * CSV.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "lia-application.h"

G_BEGIN_DECLS

#define LIA_TYPE_LOG_PAGE (lia_log_page_get_type ())
G_DECLARE_FINAL_TYPE (LiaLogPage, lia_log_page, LIA, LOG_PAGE, AdwBin)

LiaLogPage *lia_log_page_new (LiaApplication *application,
                              const char     *case_id);

G_END_DECLS
