/* fuzz-backup.c: the identity backup's decoders on arbitrary bytes.
 *
 * A backup file comes from wherever a person keeps it, so its decoders
 * treat it as hostile. Every input is tried two ways:
 *
 *  - as a backup file: lia_backup_check_header() fails only with
 *    LIA_BACKUP_ERROR_DAMAGED or _VERSION and a message. Where the header
 *    passes and its key-derivation limits are cheap (the seeds use the test
 *    limits), lia_backup_open() is tried with the passphrase the seeds were
 *    sealed with: it fails only with _DAMAGED or _WRONG_PASSPHRASE, and what
 *    it opens is a whole, consistent identity. Random bytes almost never
 *    carry a correct BLAKE2b checksum, so every input long enough to have
 *    one is also tried with it recomputed, which lets the fuzzer reach the
 *    checks behind it;
 *  - as the decrypted contents: lia_backup_decode_payload() fails only with
 *    _DAMAGED and a message; what it decodes passes lia_org_identity_check()
 *    and encodes back to exactly the input (the encoding is canonical).
 *
 * The library must log no warning. Nothing is written to disk.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lia-backup.h"
#include "lia-keyfile.h"

/* The passphrase of the sealed seeds; make-backup-seeds.c uses the same. */
#define FUZZ_PASSPHRASE "fuzz backup passphrase"

/* Offsets in the backup file; see the layout in lia-backup.c. */
#define OPSLIMIT_OFFSET 16
#define MEMLIMIT_OFFSET 24
#define HEADER_LEN      76
#define CHECKSUM_LEN    16

/* Larger limits are only parsed, never derived with: the fuzzer would spend
 * its time in Argon2id. */
#define MAX_FUZZ_OPSLIMIT 2
#define MAX_FUZZ_MEMLIMIT (256u * 1024u)

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

G_GNUC_NORETURN G_GNUC_PRINTF (1, 2) static void
fail (const char *format,
      ...)
{
  va_list args;

  va_start (args, format);
  fputs ("fuzz-backup: ", stderr);
  vfprintf (stderr, format, args);
  fputc ('\n', stderr);
  va_end (args);
  /* abort(), not g_error(): libFuzzer saves the input on SIGABRT. */
  abort ();
}

static GLogWriterOutput
log_writer (GLogLevelFlags   log_level,
            const GLogField *fields,
            gsize            n_fields,
            gpointer         user_data)
{
  GLogWriterOutput result = g_log_writer_default (log_level, fields, n_fields, user_data);

  if (log_level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
    fail ("the library logged a warning or worse (above)");
  return result;
}

static void
set_up (void)
{
  static gboolean done = FALSE;

  if (done)
    return;
  done = TRUE;
  lia_crypto_init ();
  g_log_set_writer_func (log_writer, NULL, NULL);
}

static guint64
get_le64 (const guint8 *p)
{
  guint64 v = 0;

  for (guint i = 0; i < 8; i++)
    v |= (guint64) p[i] << (8 * i);
  return v;
}

/* Fails unless @error is set, in LIA_BACKUP_ERROR with one of the two
 * codes (-1 for none), and has a message. */
static void
check_error (const char *what,
             GError     *error,
             int         code_a,
             int         code_b,
             gsize       size)
{
  if (error == NULL)
    fail ("%s of %" G_GSIZE_FORMAT " bytes failed without an error", what, size);
  if (error->domain != LIA_BACKUP_ERROR || (error->code != code_a && error->code != code_b))
    fail ("%s of %" G_GSIZE_FORMAT " bytes failed with an unexpected error %s:%d: %s", what, size,
          g_quark_to_string (error->domain), error->code, error->message);
  if (error->message == NULL || error->message[0] == '\0'
      || !g_utf8_validate (error->message, -1, NULL))
    fail ("%s of %" G_GSIZE_FORMAT " bytes failed with an empty or non-UTF-8 message", what,
          size);
}

/* What a decoder returns must be a whole identity, which encodes and
 * decodes again to itself. */
static void
check_identity (const char *what, const LiaOrgIdentity *identity)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LiaSecret) encoded = NULL;
  g_autoptr (LiaOrgIdentity) again = NULL;
  g_autoptr (LiaSecret) reencoded = NULL;

  if (!lia_org_identity_check (identity, &error))
    fail ("%s returned an identity that does not check: %s", what, error->message);
  if (identity->retired->len > LIA_BACKUP_MAX_RETIRED)
    fail ("%s returned %u retired keys", what, identity->retired->len);
  encoded = lia_backup_encode_payload (identity);
  again = lia_backup_decode_payload (encoded->data, encoded->len, &error);
  if (again == NULL)
    fail ("%s returned an identity whose encoding does not decode: %s", what, error->message);
  reencoded = lia_backup_encode_payload (again);
  if (!lia_secret_equal (encoded, reencoded))
    fail ("%s returned an identity that does not survive an encoding", what);
}

static void
check_file (const guint8 *data,
            gsize         size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LiaSecret) passphrase = NULL;
  g_autoptr (LiaOrgIdentity) identity = NULL;

  if (!lia_backup_check_header (data, size, &error))
    {
      check_error ("the header check", error, LIA_BACKUP_ERROR_DAMAGED, LIA_BACKUP_ERROR_VERSION,
                   size);
      return;
    }
  if (error != NULL)
    fail ("the header check passed but set an error: %s", error->message);
  if (size > LIA_BACKUP_MAX_SIZE)
    fail ("the header check passed a file of %" G_GSIZE_FORMAT " bytes", size);

  if (get_le64 (data + OPSLIMIT_OFFSET) > MAX_FUZZ_OPSLIMIT
      || get_le64 (data + MEMLIMIT_OFFSET) > MAX_FUZZ_MEMLIMIT)
    return;
  passphrase = lia_secret_new_from_string (FUZZ_PASSPHRASE);
  identity = lia_backup_open (data, size, passphrase, &error);
  if (identity == NULL)
    {
      check_error ("opening", error, LIA_BACKUP_ERROR_DAMAGED,
                   LIA_BACKUP_ERROR_WRONG_PASSPHRASE, size);
      return;
    }
  if (error != NULL)
    fail ("opening succeeded but set an error: %s", error->message);
  check_identity ("opening", identity);
}

static void
check_contents (const guint8 *data,
                gsize         size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LiaOrgIdentity) identity = lia_backup_decode_payload (data, size, &error);
  g_autoptr (LiaSecret) encoded = NULL;

  if (identity == NULL)
    {
      check_error ("decoding the contents", error, LIA_BACKUP_ERROR_DAMAGED, -1, size);
      return;
    }
  if (error != NULL)
    fail ("decoding the contents succeeded but set an error: %s", error->message);
  check_identity ("decoding the contents", identity);

  /* Whatever decodes is exactly what encoding it writes. */
  encoded = lia_backup_encode_payload (identity);
  if (encoded->len != size || memcmp (encoded->data, data, size) != 0)
    {
      gsize i = 0;

      while (i < size && i < encoded->len && encoded->data[i] == data[i])
        i++;
      fail ("the contents decode, but encode differently from byte %" G_GSIZE_FORMAT
            " (%" G_GSIZE_FORMAT " bytes read, %" G_GSIZE_FORMAT " written)",
            i, size, encoded->len);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  set_up ();
  check_file (data, size);
  check_contents (data, size);

  if (size >= HEADER_LEN + CHECKSUM_LEN && size <= LIA_BACKUP_MAX_SIZE)
    {
      g_autofree guint8 *fixed = g_memdup2 (data, size);

      crypto_generichash (fixed + size - CHECKSUM_LEN, CHECKSUM_LEN, fixed, size - CHECKSUM_LEN,
                          NULL, 0);
      if (memcmp (fixed, data, size) != 0)
        check_file (fixed, size);
    }
  return 0;
}
