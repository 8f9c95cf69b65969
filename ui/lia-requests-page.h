/* lia-requests-page.h: the disclosure requests of a case.
 *
 * Each request with what was asked, by whom, of whom and why, its state
 * and its history of decisions and escalations with their reasons. This
 * organisation makes requests here, decides the ones it holds (share,
 * share redacted, decline with reasons, redirect to the originator, or
 * say the material is sensitive or secret and on what basis), escalates a
 * disagreement one level at a time, and withdraws its own.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "lia-application.h"

G_BEGIN_DECLS

#define LIA_TYPE_REQUESTS_PAGE (lia_requests_page_get_type ())
G_DECLARE_FINAL_TYPE (LiaRequestsPage, lia_requests_page, LIA, REQUESTS_PAGE, AdwBin)

LiaRequestsPage *lia_requests_page_new (LiaApplication *application,
                                        const char     *case_id);

G_END_DECLS
