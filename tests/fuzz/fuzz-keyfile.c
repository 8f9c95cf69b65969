/* fuzz-keyfile.c: lia_keyfile_parse() on arbitrary bytes.
 *
 * The parser must never read outside the input, must fail with a key-file
 * error for anything that is not a well-formed key file, and must accept
 * only what lia_keyfile_serialize() writes back byte for byte.
 *
 * Random bytes almost never carry a correct BLAKE2b checksum, so every
 * input of exactly the key file's size is also tried a second time with
 * its checksum recomputed: that lets the fuzzer reach the version, method
 * and limit checks behind the checksum.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lia-keyfile.h"
#include "lia-store.h"

/* Offsets in the key file; see the layout in lia-keyfile.c. */
#define CHECKSUM_OFFSET 136
#define CHECKSUM_LEN    16

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

G_GNUC_NORETURN G_GNUC_PRINTF (1, 2) static void
fail (const char *format,
      ...)
{
  va_list args;

  va_start (args, format);
  fputs ("fuzz-keyfile: ", stderr);
  vfprintf (stderr, format, args);
  fputc ('\n', stderr);
  va_end (args);
  /* abort(), not g_error(): libFuzzer saves the input on SIGABRT. */
  abort ();
}

static void
check_parse (const guint8 *data,
             gsize         size)
{
  LiaKeyFile keyfile;
  GError *error = NULL;
  guint8 written[LIA_KEYFILE_SIZE];

  memset (&keyfile, 0xa5, sizeof keyfile);
  if (!lia_keyfile_parse (data, size, &keyfile, &error))
    {
      if (error == NULL)
        fail ("parsing %" G_GSIZE_FORMAT " bytes failed without an error", size);
      if (error->domain != LIA_STORE_ERROR
          || (error->code != LIA_STORE_ERROR_KEY_FILE_DAMAGED
              && error->code != LIA_STORE_ERROR_KEY_FILE_VERSION))
        fail ("parsing %" G_GSIZE_FORMAT " bytes failed with an unexpected error %s:%d: %s",
              size, g_quark_to_string (error->domain), error->code, error->message);
      if (error->message == NULL || error->message[0] == '\0')
        fail ("parsing %" G_GSIZE_FORMAT " bytes failed with an empty message", size);
      g_error_free (error);
      return;
    }

  if (error != NULL)
    fail ("parsing succeeded but set an error: %s", error->message);
  if (size != LIA_KEYFILE_SIZE)
    fail ("accepted a key file of %" G_GSIZE_FORMAT " bytes", size);
  if (keyfile.opslimit < 1 || keyfile.opslimit > 64 || keyfile.memlimit < 8 * 1024
      || keyfile.memlimit > 4ull * 1024 * 1024 * 1024)
    fail ("accepted limits outside the documented range (%" G_GUINT64_FORMAT ", %"
          G_GUINT64_FORMAT ")", keyfile.opslimit, keyfile.memlimit);

  /* Whatever parses must be exactly what serialising it writes. */
  lia_keyfile_serialize (&keyfile, written);
  if (memcmp (written, data, LIA_KEYFILE_SIZE) != 0)
    {
      gsize i = 0;

      while (written[i] == data[i])
        i++;
      fail ("round trip differs at byte %" G_GSIZE_FORMAT " (read 0x%02x, wrote 0x%02x)", i,
            data[i], written[i]);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  check_parse (data, size);

  if (size == LIA_KEYFILE_SIZE)
    {
      guint8 fixed[LIA_KEYFILE_SIZE];

      memcpy (fixed, data, size);
      crypto_generichash (fixed + CHECKSUM_OFFSET, CHECKSUM_LEN, fixed, CHECKSUM_OFFSET, NULL,
                          0);
      if (memcmp (fixed, data, size) != 0)
        check_parse (fixed, size);
    }
  return 0;
}
