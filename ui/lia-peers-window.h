/* lia-peers-window.h: the organisations this one shares with.
 *
 * This organisation's invite code, as text to copy and as a QR code;
 * adding a peer by pasting its code (a mistyped, forged or expired code,
 * this organisation's own code or one already added is refused, saying
 * what to do); each peer's safety number in full, to compare with the
 * other side, and the step that marks it verified; each peer's sync state;
 * and removing a peer, after saying what that means.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "lia-application.h"

G_BEGIN_DECLS

#define LIA_TYPE_PEERS_WINDOW (lia_peers_window_get_type ())
G_DECLARE_FINAL_TYPE (LiaPeersWindow, lia_peers_window, LIA, PEERS_WINDOW, AdwWindow)

/* Shows the peers over @parent's window (one window at a time). */
void lia_peers_window_present (LiaApplication *application,
                               GtkWidget      *parent);

G_END_DECLS
