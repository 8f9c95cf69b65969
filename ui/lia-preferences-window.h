/* lia-preferences-window.h: Liaison's settings.
 *
 * When to lock (after how long idle, and with the screen), where to listen
 * for peers and the address they reach this computer at, and where to
 * fetch bank holidays from, with a "refresh now" that says how it went.
 * Every value is stored in GSettings (uk.liaison.Liaison) at once.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "lia-application.h"

G_BEGIN_DECLS

#define LIA_TYPE_PREFERENCES_WINDOW (lia_preferences_window_get_type ())
G_DECLARE_FINAL_TYPE (LiaPreferencesWindow, lia_preferences_window, LIA, PREFERENCES_WINDOW,
                      AdwPreferencesWindow)

LiaPreferencesWindow *lia_preferences_window_new (LiaApplication *application);

G_END_DECLS
