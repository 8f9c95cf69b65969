/* lia-crypto.h: libsodium start-up and secret memory.
 *
 * Every secret that Liaison holds in memory (passphrases, keys) lives in a
 * LiaSecret: a buffer from sodium_malloc(), which is guarded, locked into
 * RAM where the system allows, kept out of core dumps, and wiped by
 * sodium_free().
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Initialises libsodium once; aborts if the system has no usable source of
 * randomness, since nothing else is safe after that. Thread-safe. */
void lia_crypto_init (void);

typedef struct _LiaSecret LiaSecret;

struct _LiaSecret
{
  gsize len;
  /* @len bytes, always followed by one NUL so that a passphrase can be used
   * as a C string. */
  guint8 data[];
};

LiaSecret  *lia_secret_new (gsize len);
LiaSecret  *lia_secret_new_from_data (const void *data,
                                      gsize       len);
LiaSecret  *lia_secret_new_from_string (const char *str);
LiaSecret  *lia_secret_copy (const LiaSecret *secret);
const char *lia_secret_get_string (const LiaSecret *secret);
gboolean    lia_secret_equal (const LiaSecret *a,
                              const LiaSecret *b);
void        lia_secret_free (LiaSecret *secret);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LiaSecret, lia_secret_free)

G_END_DECLS
