/* lia-qr.c: an invite code as a QR code (libqrencode).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <qrencode.h>
#include <string.h>

#include "lia-qr.h"

#define QUIET_ZONE 4

GdkTexture *
lia_qr_texture_new (const char *text,
                    guint       module_px)
{
  QRcode *code;
  g_autoptr (GBytes) bytes = NULL;
  guint8 *pixels;
  guint size, side;
  gsize stride;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (module_px > 0, NULL);

  /* An invite code is upper-case base32 and "LIAISON1-", all of it in
   * QR's alphanumeric mode, which libqrencode picks for it; level M
   * survives a smudged screen or print. */
  code = QRcode_encodeString (text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
  if (code == NULL)
    return NULL;
  size = (guint) code->width;
  side = (size + 2 * QUIET_ZONE) * module_px;
  /* Three bytes a pixel (GDK 4.8 has no one-channel format), white. */
  stride = (gsize) side * 3;
  pixels = g_malloc (stride * side);
  memset (pixels, 0xff, stride * side);
  for (guint y = 0; y < size; y++)
    for (guint x = 0; x < size; x++)
      {
        /* Bit 0 of each byte: a dark module. */
        if ((code->data[y * size + x] & 1) == 0)
          continue;
        for (guint dy = 0; dy < module_px; dy++)
          memset (pixels + ((y + QUIET_ZONE) * module_px + dy) * stride
                    + (gsize) (x + QUIET_ZONE) * module_px * 3,
                  0x00, (gsize) module_px * 3);
      }
  QRcode_free (code);
  bytes = g_bytes_new_take (pixels, stride * side);
  return gdk_memory_texture_new ((int) side, (int) side, GDK_MEMORY_R8G8B8, bytes, stride);
}
