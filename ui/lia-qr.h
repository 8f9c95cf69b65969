/* lia-qr.h: an invite code as a QR code (libqrencode).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* A texture of @text as a QR code, @module_px pixels a module, with the
 * four-module quiet zone that readers need; NULL if @text is too long for
 * any QR code. */
GdkTexture *lia_qr_texture_new (const char *text,
                                guint       module_px);

G_END_DECLS
