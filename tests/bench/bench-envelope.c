/* bench-envelope.c: what sealing and opening an envelope cost over the bare
 * libsodium operations that they cannot do without.
 *
 * One author seals 1 KiB contents for three recipients, and one of them
 * opens them, with keyrings whose pairwise keys are already cached (as they
 * are in a running node). In the same run, the floors:
 *
 *   seal floor  the random bytes (the content key, the content nonce and
 *               three wrap nonces, in the same two calls), three
 *               crypto_box_easy_afternm() of a 32-byte key, one
 *               XChaCha20-Poly1305 encryption of 1 KiB with an associated
 *               data as long as the real header, and one crypto_sign over
 *               as many bytes as the real envelope signs;
 *   open floor  one crypto_sign_verify_detached() over those bytes, one
 *               crypto_box_open_easy_afternm() of a wrapped key, and one
 *               XChaCha20-Poly1305 decryption of 1 KiB.
 *
 * The measures are interleaved in chunks (--chunk operations each), their
 * order rotating every round (--rounds), so that a noisy neighbour weighs
 * on all of them alike. Each time is the median over the rounds (and the
 * fastest chunk beside it); each ratio to a floor is the median of the
 * rounds' own ratios. Parse alone and parse + verify are timed too, to
 * show where an open's time goes. Prints one JSON object on stdout.
 *
 *   ninja -C build tests/bench/bench-envelope
 *   build/tests/bench/bench-envelope
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "lia-envelope.h"

#define CONTENT_BYTES     1024
#define N_RECIPIENTS      3
#define PREFIX_BYTES      8
#define NONCE_BYTES       24
#define TAG_BYTES         16
#define SIGNATURE_BYTES   64
#define WRAPPED_BYTES     48

#define TARGET_OPEN_OF_FLOOR  0.80
#define TARGET_SEAL_OF_FLOOR  0.70

static int opt_chunk = 200;
static int opt_rounds = 51;
static char *opt_only = NULL;

static const GOptionEntry entries[] = {
  { "chunk", 0, 0, G_OPTION_ARG_INT, &opt_chunk, "Operations per timed chunk (default 200)", "N" },
  { "rounds", 0, 0, G_OPTION_ARG_INT, &opt_rounds, "Rounds of all measures (default 51)", "N" },
  { "only", 0, 0, G_OPTION_ARG_STRING, &opt_only,
    "Run only this measure, --rounds times --chunk, and print nothing (for perf)", "NAME" },
  { NULL }
};

typedef struct
{
  guint8      sign_public[32];
  LiaSecret  *sign_secret;
  guint8      box_public[32];
  LiaSecret  *box_secret;
  LiaKeyring *keyring;
} Org;

static void
org_init (Org *org)
{
  org->sign_secret = lia_secret_new (crypto_sign_SECRETKEYBYTES);
  org->box_secret = lia_secret_new (crypto_box_SECRETKEYBYTES);
  crypto_sign_keypair (org->sign_public, org->sign_secret->data);
  crypto_box_keypair (org->box_public, org->box_secret->data);
  org->keyring = lia_keyring_new (org->sign_public, org->sign_secret, org->box_public,
                                  org->box_secret);
}

static void
org_clear (Org *org)
{
  lia_keyring_free (org->keyring);
  lia_secret_free (org->sign_secret);
  lia_secret_free (org->box_secret);
}

static G_GNUC_NORETURN void
fail (const char *message)
{
  g_printerr ("bench-envelope: %s\n", message);
  exit (2);
}

/* ---- what is measured ---------------------------------------------------------- */

static Org author;
static Org readers[N_RECIPIENTS];
static LiaRecipient recipients[N_RECIPIENTS];
static GBytes *content;        /* owned */
static GBytes *sealed;         /* owned: an envelope to open */
static gsize header_len;       /* of @sealed */

/* The floors' own data: an envelope-sized buffer, signed; the three
 * pairwise keys; a key wrapped under the first. */
static guint8 *floor_buf;
static gsize floor_len;
static guint8 pairwise[N_RECIPIENTS][crypto_box_BEFORENMBYTES];
static guint8 content_key[32];
static guint8 wrap_nonces[(N_RECIPIENTS + 1) * NONCE_BYTES];
static guint8 wrapped[N_RECIPIENTS][WRAPPED_BYTES];
static guint8 opened_key[32];
static guint8 plain[CONTENT_BYTES];
static volatile gsize sink;

static LiaAuthorStatus
author_cb (const guint8 *sign_public,
           gpointer      user_data)
{
  return memcmp (sign_public, author.sign_public, 32) == 0 ? LIA_AUTHOR_KNOWN
                                                            : LIA_AUTHOR_UNKNOWN;
}

static void
do_seal (void)
{
  GBytes *bytes = lia_envelope_seal (author.keyring, "record", "6f1c2a4e-0b7d-4c35-9a8e-2f4d5b6c7d8e",
                                     "0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d", 7,
                                     g_get_real_time (), recipients, N_RECIPIENTS, content, NULL);

  if (bytes == NULL)
    fail ("sealing failed");
  sink += g_bytes_get_size (bytes);
  g_bytes_unref (bytes);
}

static void
do_seal_floor (void)
{
  guint8 *ciphertext = floor_buf + PREFIX_BYTES + header_len + NONCE_BYTES;

  randombytes_buf (wrap_nonces, sizeof wrap_nonces);
  randombytes_buf (content_key, sizeof content_key);
  for (guint i = 0; i < N_RECIPIENTS; i++)
    crypto_box_easy_afternm (wrapped[i], content_key, sizeof content_key,
                             wrap_nonces + (i + 1) * NONCE_BYTES, pairwise[i]);
  crypto_aead_xchacha20poly1305_ietf_encrypt (ciphertext, NULL, g_bytes_get_data (content, NULL),
                                              CONTENT_BYTES, floor_buf,
                                              PREFIX_BYTES + header_len, NULL, wrap_nonces,
                                              content_key);
  crypto_sign_detached (floor_buf + floor_len - SIGNATURE_BYTES, NULL, floor_buf,
                        floor_len - SIGNATURE_BYTES, author.sign_secret->data);
}

static void
do_open (void)
{
  GBytes *opened = lia_envelope_open_bytes (sealed, readers[0].keyring, author_cb, NULL, NULL,
                                            NULL);

  if (opened == NULL)
    fail ("opening failed");
  sink += g_bytes_get_size (opened);
  g_bytes_unref (opened);
}

static void
do_open_floor (void)
{
  const guint8 *ciphertext = floor_buf + PREFIX_BYTES + header_len + NONCE_BYTES;

  if (crypto_sign_verify_detached (floor_buf + floor_len - SIGNATURE_BYTES, floor_buf,
                                   floor_len - SIGNATURE_BYTES, author.sign_public) != 0
      || crypto_box_open_easy_afternm (opened_key, wrapped[0], WRAPPED_BYTES,
                                       wrap_nonces + NONCE_BYTES, pairwise[0]) != 0
      || crypto_aead_xchacha20poly1305_ietf_decrypt (plain, NULL, NULL, ciphertext,
                                                     CONTENT_BYTES + TAG_BYTES, floor_buf,
                                                     PREFIX_BYTES + header_len, wrap_nonces,
                                                     opened_key) != 0)
    fail ("a floor operation failed");
}

static void
do_parse (void)
{
  LiaEnvelope *env = lia_envelope_parse (sealed, NULL);

  if (env == NULL)
    fail ("parsing failed");
  lia_envelope_free (env);
}

static void
do_parse_verify (void)
{
  LiaEnvelope *env = lia_envelope_parse (sealed, NULL);

  if (env == NULL || !lia_envelope_verify (env, author_cb, NULL, NULL))
    fail ("verifying failed");
  lia_envelope_free (env);
}

typedef struct
{
  const char *name;
  void      (*run) (void);
  double     *us;      /* per operation, one per round */
} Measure;

static double
time_chunk (void (*run) (void))
{
  gint64 start = g_get_monotonic_time ();

  for (int i = 0; i < opt_chunk; i++)
    run ();
  return (double) (g_get_monotonic_time () - start) / opt_chunk;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double da = *(const double *) a, db = *(const double *) b;

  return da < db ? -1 : da > db ? 1 : 0;
}

static double
median_of (const double *values,
           int           n)
{
  g_autofree double *sorted = g_memdup2 (values, sizeof *values * n);

  qsort (sorted, n, sizeof *sorted, compare_doubles);
  return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

static double
min_of (const double *values,
        int           n)
{
  double m = values[0];

  for (int i = 1; i < n; i++)
    m = MIN (m, values[i]);
  return m;
}

static double
load_average (void)
{
  g_autofree char *contents = NULL;

  if (!g_file_get_contents ("/proc/loadavg", &contents, NULL, NULL))
    return -1;
  return g_ascii_strtod (contents, NULL);
}

static void
add_double (JsonBuilder *builder,
            const char  *name,
            double       value,
            int          decimals)
{
  double scale = pow (10, decimals);

  json_builder_set_member_name (builder, name);
  json_builder_add_double_value (builder, round (value * scale) / scale);
}

static void
add_bool (JsonBuilder *builder,
          const char  *name,
          gboolean     value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_boolean_value (builder, value);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new ("- time envelope seal and open");
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *json = NULL;
  Measure measures[] = {
    { "seal", do_seal, NULL },
    { "seal_floor", do_seal_floor, NULL },
    { "open", do_open, NULL },
    { "open_floor", do_open_floor, NULL },
    { "parse", do_parse, NULL },
    { "parse_verify", do_parse_verify, NULL },
  };
  double med[G_N_ELEMENTS (measures)], best[G_N_ELEMENTS (measures)];
  double load_start = load_average (), open_of_floor, seal_of_floor;
  const guint8 *data;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    fail (error->message);
  if (opt_chunk < 1 || opt_rounds < 1)
    fail ("--chunk and --rounds must be at least 1");

  lia_crypto_init ();
  org_init (&author);
  for (guint i = 0; i < N_RECIPIENTS; i++)
    {
      org_init (&readers[i]);
      memcpy (recipients[i].sign_public, readers[i].sign_public, 32);
      memcpy (recipients[i].box_public, readers[i].box_public, 32);
      recipients[i].number = 1000 + i;
      if (crypto_box_beforenm (pairwise[i], readers[i].box_public,
                               author.box_secret->data) != 0)
        fail ("no pairwise key");
    }
  {
    guint8 *bytes = g_malloc (CONTENT_BYTES);

    randombytes_buf (bytes, CONTENT_BYTES);
    content = g_bytes_new_take (bytes, CONTENT_BYTES);
  }
  sealed = lia_envelope_seal (author.keyring, "record", "6f1c2a4e-0b7d-4c35-9a8e-2f4d5b6c7d8e",
                              "0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d", 7, g_get_real_time (),
                              recipients, N_RECIPIENTS, content, &error);
  if (sealed == NULL)
    fail (error->message);
  data = g_bytes_get_data (sealed, &floor_len);
  header_len = data[4] | (data[5] << 8) | (data[6] << 16) | ((gsize) data[7] << 24);
  floor_buf = g_memdup2 (data, floor_len);

  /* Warm up: the keyrings' caches, the floor's buffer and the code. */
  for (guint i = 0; i < G_N_ELEMENTS (measures); i++)
    {
      measures[i].us = g_new0 (double, opt_rounds);
      for (int k = 0; k < 50; k++)
        measures[i].run ();
    }

  if (opt_only != NULL)
    {
      for (guint i = 0; i < G_N_ELEMENTS (measures); i++)
        if (g_str_equal (measures[i].name, opt_only))
          {
            for (int round = 0; round < opt_rounds; round++)
              time_chunk (measures[i].run);
            return 0;
          }
      fail ("--only names no measure");
    }

  for (int round = 0; round < opt_rounds; round++)
    for (guint k = 0; k < G_N_ELEMENTS (measures); k++)
      {
        Measure *m = &measures[(k + round) % G_N_ELEMENTS (measures)];

        m->us[round] = time_chunk (m->run);
      }

  for (guint i = 0; i < G_N_ELEMENTS (measures); i++)
    {
      med[i] = median_of (measures[i].us, opt_rounds);
      best[i] = min_of (measures[i].us, opt_rounds);
    }
  /* A rate is 1/time, so "seal at N% of its floor's rate" is floor time
   * over seal time. Each round's pair was timed back to back, so their
   * ratio is the least touched by a neighbour's load; the median of those
   * is the figure, and the ratio of the fastest chunks is given beside it
   * (noise only ever adds time). */
  {
    g_autofree double *seal_ratios = g_new (double, opt_rounds);
    g_autofree double *open_ratios = g_new (double, opt_rounds);

    for (int round = 0; round < opt_rounds; round++)
      {
        seal_ratios[round] = measures[1].us[round] / measures[0].us[round];
        open_ratios[round] = measures[3].us[round] / measures[2].us[round];
      }
    seal_of_floor = median_of (seal_ratios, opt_rounds);
    open_of_floor = median_of (open_ratios, opt_rounds);
  }

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "benchmark");
  json_builder_add_string_value (builder, "envelope");
  json_builder_set_member_name (builder, "content_bytes");
  json_builder_add_int_value (builder, CONTENT_BYTES);
  json_builder_set_member_name (builder, "recipients");
  json_builder_add_int_value (builder, N_RECIPIENTS);
  json_builder_set_member_name (builder, "envelope_bytes");
  json_builder_add_int_value (builder, (gint64) floor_len);
  json_builder_set_member_name (builder, "header_bytes");
  json_builder_add_int_value (builder, (gint64) header_len);
  json_builder_set_member_name (builder, "chunk");
  json_builder_add_int_value (builder, opt_chunk);
  json_builder_set_member_name (builder, "rounds");
  json_builder_add_int_value (builder, opt_rounds);
  for (guint i = 0; i < G_N_ELEMENTS (measures); i++)
    {
      json_builder_set_member_name (builder, measures[i].name);
      json_builder_begin_object (builder);
      add_double (builder, "us", med[i], 2);
      add_double (builder, "us_min", best[i], 2);
      add_double (builder, "per_s", 1e6 / med[i], 0);
      json_builder_end_object (builder);
    }
  json_builder_set_member_name (builder, "of_floor");
  json_builder_begin_object (builder);
  add_double (builder, "seal", seal_of_floor, 3);
  add_double (builder, "open", open_of_floor, 3);
  add_double (builder, "seal_fastest", best[1] / best[0], 3);
  add_double (builder, "open_fastest", best[3] / best[2], 3);
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "targets");
  json_builder_begin_object (builder);
  add_double (builder, "seal_of_floor_min", TARGET_SEAL_OF_FLOOR, 2);
  add_double (builder, "open_of_floor_min", TARGET_OPEN_OF_FLOOR, 2);
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "met");
  json_builder_begin_object (builder);
  add_bool (builder, "seal", seal_of_floor >= TARGET_SEAL_OF_FLOOR);
  add_bool (builder, "open", open_of_floor >= TARGET_OPEN_OF_FLOOR);
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "libsodium_version");
  json_builder_add_string_value (builder, sodium_version_string ());
  json_builder_set_member_name (builder, "machine");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "cores");
  json_builder_add_int_value (builder, g_get_num_processors ());
  add_double (builder, "load_average_start", load_start, 2);
  add_double (builder, "load_average_end", load_average (), 2);
  json_builder_end_object (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  json_generator_set_indent (generator, 2);
  json = json_generator_to_data (generator, NULL);
  g_print ("%s\n", json);

  for (guint i = 0; i < G_N_ELEMENTS (measures); i++)
    g_free (measures[i].us);
  g_bytes_unref (sealed);
  g_bytes_unref (content);
  g_free (floor_buf);
  org_clear (&author);
  for (guint i = 0; i < N_RECIPIENTS; i++)
    org_clear (&readers[i]);
  return 0;
}
