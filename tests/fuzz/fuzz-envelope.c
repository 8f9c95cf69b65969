/* fuzz-envelope.c: lia_envelope_parse(), _verify() and _open() on
 * arbitrary bytes.
 *
 * The reader (fuzz-envelope-keys.h) knows one author and has revoked
 * another; its keyring holds its current X25519 key and a retired one.
 * Each input goes through parse, verify and open step by step, and then
 * through lia_envelope_open_bytes(), which must come to the same end.
 *
 * What must hold: no crash, leak or out-of-bounds read; every failure is a
 * LIA_ENVELOPE_ERROR of a code that its step may give, with a UTF-8
 * message; what parses keeps to the limits of lia-envelope.h; only an
 * envelope from the known author verifies; an open fails with
 * NOT_RECIPIENT exactly when the reader is not named; content comes back
 * only whole, of the size the envelope states.
 *
 * LIA_FUZZ_VERBOSE=1 prints what became of each input.
 *
 * Random changes almost never keep a valid signature, so every input that
 * parses and names the known author is also tried a second time with its
 * signature replaced by that author's (as the keyfile target recomputes
 * its checksum): that lets the fuzzer reach the recipient check, the
 * unwrapping and the decryption with headers and contents of its making.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-envelope-keys.h"
#include "lia-envelope.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static FuzzOrg orgs[FUZZ_N_ORGS];
static FuzzOrg retired;
static LiaKeyring *keyring;
static gboolean verbose;

G_GNUC_NORETURN G_GNUC_PRINTF (1, 2) static void
fail (const char *format,
      ...)
{
  va_list args;

  va_start (args, format);
  fputs ("fuzz-envelope: ", stderr);
  vfprintf (stderr, format, args);
  fputc ('\n', stderr);
  va_end (args);
  /* abort(), not g_error(): libFuzzer saves the input on SIGABRT. */
  abort ();
}

static void
set_up (void)
{
  if (keyring != NULL)
    return;
  lia_crypto_init ();
  verbose = g_getenv ("LIA_FUZZ_VERBOSE") != NULL;
  for (guint i = 0; i < FUZZ_N_ORGS; i++)
    fuzz_org_init (&orgs[i], i, FALSE);
  fuzz_org_init (&retired, FUZZ_ORG_READER, TRUE);
  keyring = lia_keyring_new (orgs[FUZZ_ORG_READER].sign_public,
                             orgs[FUZZ_ORG_READER].sign_secret,
                             orgs[FUZZ_ORG_READER].box_public,
                             orgs[FUZZ_ORG_READER].box_secret);
  lia_keyring_add_retired_box_key (keyring, retired.box_public, retired.box_secret);
}

static LiaAuthorStatus
author_cb (const guint8 *sign_public,
           gpointer      user_data)
{
  if (memcmp (sign_public, orgs[FUZZ_ORG_AUTHOR].sign_public, 32) == 0)
    return LIA_AUTHOR_KNOWN;
  if (memcmp (sign_public, orgs[FUZZ_ORG_REVOKED].sign_public, 32) == 0)
    return LIA_AUTHOR_REVOKED;
  return LIA_AUTHOR_UNKNOWN;
}

/* Fails unless @error is set, in LIA_ENVELOPE_ERROR, with a code in
 * @codes (a mask of 1 << code), and a non-empty UTF-8 message. */
static void
check_error (const char *step,
             GError     *error,
             guint       codes)
{
  if (error == NULL)
    fail ("%s failed without an error", step);
  if (error->domain != LIA_ENVELOPE_ERROR || error->code < 0 || error->code > 31
      || (codes & (1u << error->code)) == 0)
    fail ("%s failed with an unexpected error %s:%d: %s", step,
          g_quark_to_string (error->domain), error->code, error->message);
  if (error->message == NULL || error->message[0] == '\0'
      || !g_utf8_validate (error->message, -1, NULL))
    fail ("%s failed with an empty or invalid message", step);
}

#define CODE(c) (1u << LIA_ENVELOPE_ERROR_##c)

static gboolean
is_printable_id (const char *id)
{
  for (const char *p = id; *p != '\0'; p++)
    if (*p < '!' || *p > '~')
      return FALSE;
  return TRUE;
}

/* What a parsed envelope says must keep to the documented limits. */
static void
check_parsed (LiaEnvelope  *env,
              GBytes       *bytes)
{
  const char *kind = lia_envelope_get_kind (env);
  const char *object_id = lia_envelope_get_object_id (env);
  const char *case_id = lia_envelope_get_case_id (env);
  guint n = lia_envelope_get_n_recipients (env);
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  guint8 hash[LIA_ENVELOPE_HASH_BYTES];

  if (strlen (kind) < 1 || strlen (kind) > LIA_ENVELOPE_MAX_KIND
      || strspn (kind, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen (kind))
    fail ("accepted the kind \"%s\"", kind);
  if (strlen (object_id) < 1 || strlen (object_id) > LIA_ENVELOPE_MAX_ID
      || !is_printable_id (object_id))
    fail ("accepted an object id of %" G_GSIZE_FORMAT " bytes or with unprintable bytes",
          strlen (object_id));
  if (strlen (case_id) > LIA_ENVELOPE_MAX_ID || !is_printable_id (case_id))
    fail ("accepted a case id of %" G_GSIZE_FORMAT " bytes or with unprintable bytes",
          strlen (case_id));
  if (n < 1 || n > LIA_ENVELOPE_MAX_RECIPIENTS)
    fail ("accepted %u recipients", n);
  for (guint i = 0; i < n; i++)
    {
      if (lia_envelope_get_recipient_number (env, i) > (guint64) G_MAXINT64)
        fail ("accepted the recipient number %" G_GUINT64_FORMAT,
              lia_envelope_get_recipient_number (env, i));
      for (guint j = 0; j < i; j++)
        if (memcmp (lia_envelope_get_recipient_sign_public (env, i),
                    lia_envelope_get_recipient_sign_public (env, j), 32) == 0)
          fail ("accepted recipients %u and %u with the same key", j, i);
    }
  if (lia_envelope_get_content_size (env) > LIA_ENVELOPE_MAX_CONTENT)
    fail ("accepted a content of %" G_GSIZE_FORMAT " bytes", lia_envelope_get_content_size (env));
  if (len > LIA_ENVELOPE_MAX_SIZE || data[0] != LIA_ENVELOPE_FORMAT_VERSION
      || lia_envelope_get_format_version (env) != LIA_ENVELOPE_FORMAT_VERSION)
    fail ("accepted an envelope of %" G_GSIZE_FORMAT " bytes, version %u", len, data[0]);
  if (!g_bytes_equal (lia_envelope_get_bytes (env), bytes))
    fail ("the envelope's bytes are not the input");
  crypto_generichash (hash, sizeof hash, data, len, NULL, 0);
  if (memcmp (hash, lia_envelope_hash (env), sizeof hash) != 0)
    fail ("the envelope's hash is not BLAKE2b-256 of its bytes");
}

/* Parse, verify, open; then the same with lia_envelope_open_bytes().
 * Returns whether it parsed and names the known author (so that a
 * re-signed copy is worth a try). */
static gboolean
check_envelope (const guint8 *data,
                gsize         size)
{
  g_autoptr (GBytes) bytes = g_bytes_new (data, size);
  g_autoptr (LiaEnvelope) env = NULL;
  g_autoptr (LiaEnvelope) env_again = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) error_again = NULL;
  g_autoptr (GBytes) content = NULL;
  g_autoptr (GBytes) content_again = NULL;
  gboolean from_author = FALSE;

  env = lia_envelope_parse (bytes, &error);
  if (env == NULL)
    check_error ("parse", error, CODE (MALFORMED) | CODE (TOO_LARGE) | CODE (VERSION));
  else
    {
      check_parsed (env, bytes);
      from_author = memcmp (lia_envelope_get_author_sign_public (env),
                            orgs[FUZZ_ORG_AUTHOR].sign_public, 32) == 0;
      if (!lia_envelope_verify (env, author_cb, NULL, &error))
        check_error ("verify", error,
                     CODE (UNKNOWN_AUTHOR) | CODE (REVOKED_AUTHOR) | CODE (BAD_SIGNATURE));
      else
        {
          gboolean named = lia_envelope_is_for (env, orgs[FUZZ_ORG_READER].sign_public);

          if (!from_author || !lia_envelope_is_verified (env))
            fail ("verified an envelope that is not from the known author");
          content = lia_envelope_open (env, keyring, &error);
          if (content == NULL)
            {
              check_error ("open", error,
                           CODE (NOT_RECIPIENT) | CODE (DAMAGED) | CODE (MALFORMED));
              if (named != (error->code != LIA_ENVELOPE_ERROR_NOT_RECIPIENT))
                fail ("open said %s but the reader is%s named",
                      error->message, named ? "" : " not");
            }
          else
            {
              if (!named)
                fail ("opened an envelope that does not name the reader");
              if (g_bytes_get_size (content) != lia_envelope_get_content_size (env))
                fail ("opened %" G_GSIZE_FORMAT " bytes of content; the envelope says %"
                      G_GSIZE_FORMAT, g_bytes_get_size (content),
                      lia_envelope_get_content_size (env));
            }
        }
    }

  /* The one-call form comes to the same end. */
  content_again = lia_envelope_open_bytes (bytes, keyring, author_cb, NULL, &env_again,
                                           &error_again);
  if ((content == NULL) != (content_again == NULL)
      || (content != NULL && !g_bytes_equal (content, content_again))
      || (error == NULL) != (error_again == NULL)
      || (error != NULL && error->code != error_again->code))
    fail ("lia_envelope_open_bytes() differs from the steps (%s, %s)",
          error != NULL ? error->message : "opened",
          error_again != NULL ? error_again->message : "opened");
  if ((content_again != NULL) != (env_again != NULL))
    fail ("lia_envelope_open_bytes() gave content and envelope apart");
  if (verbose)
    {
      if (content != NULL)
        fprintf (stderr, "fuzz-envelope: %" G_GSIZE_FORMAT " bytes: opened %" G_GSIZE_FORMAT
                 " bytes of content\n", size, g_bytes_get_size (content));
      else
        fprintf (stderr, "fuzz-envelope: %" G_GSIZE_FORMAT " bytes: error %d: %s\n", size,
                 error->code, error->message);
    }
  return from_author;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  set_up ();
  if (check_envelope (data, size) && size > crypto_sign_BYTES)
    {
      g_autofree guint8 *signed_copy = g_memdup2 (data, size);

      crypto_sign_detached (signed_copy + size - crypto_sign_BYTES, NULL, signed_copy,
                            size - crypto_sign_BYTES, orgs[FUZZ_ORG_AUTHOR].sign_secret->data);
      if (memcmp (signed_copy, data, size) != 0)
        check_envelope (signed_copy, size);
    }
  return 0;
}
