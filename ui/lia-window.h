/* lia-window.h: the main window.
 *
 * It shows what the application's state calls for: the first-run page,
 * the unlock page, or, while unlocked, the cases (LiaMainPage, made anew
 * at each unlock and thrown away at each lock, so that nothing of a case
 * outlives the keys that opened it).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "lia-application.h"

G_BEGIN_DECLS

#define LIA_TYPE_WINDOW (lia_window_get_type ())
G_DECLARE_FINAL_TYPE (LiaWindow, lia_window, LIA, WINDOW, AdwApplicationWindow)

LiaWindow *lia_window_new (LiaApplication *application);

/* Opens @case_id, now if unlocked, else as soon as the store is. */
void       lia_window_open_case (LiaWindow  *self,
                                 const char *case_id);

/* A short message at the bottom of the window. */
void       lia_window_toast (LiaWindow  *self,
                             const char *message);

G_END_DECLS
