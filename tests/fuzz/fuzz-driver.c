/* fuzz-driver.c: runs a fuzz target without libFuzzer.
 *
 * Linked with one fuzz-*.c file, this main() feeds LLVMFuzzerTestOneInput()
 * every file of the corpus directories (and any single files) named on the
 * command line, then a fixed number of pseudo-random mutations of them:
 * bit flips, random and boundary bytes, truncations, insertions, deletions,
 * duplicated ranges, small integer changes and splices of two inputs. The
 * generator is seeded, so a run is reproducible: a failure prints the
 * mutation's number, and --only=N replays that one input (--save=FILE
 * writes it out for libFuzzer or a debugger).
 *
 * Every input is passed in a heap buffer of exactly its size, so that
 * AddressSanitizer sees a read one byte past its end.
 *
 *   fuzz-NAME-driver [--mutations=N] [--seed=S] [--max-len=L] [--only=N]
 *                    [--save=FILE] CORPUS_DIR_OR_FILE...
 *
 * LIA_FUZZ_MUTATIONS in the environment overrides --mutations, for a
 * longer run by hand.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* ---- a small seeded generator (splitmix64) --------------------------------- */

static guint64 rng_state;

static guint64
rng_next (void)
{
  guint64 z = (rng_state += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15));

  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

/* A number in [0, n); 0 when n is 0. */
static gsize
rng_below (gsize n)
{
  return n == 0 ? 0 : (gsize) (rng_next () % n);
}

/* ---- the corpus ------------------------------------------------------------ */

static gint
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

static void
add_file (GPtrArray  *corpus,
          GPtrArray  *names,
          const char *path)
{
  char *contents = NULL;
  gsize len = 0;
  GError *error = NULL;

  if (!g_file_get_contents (path, &contents, &len, &error))
    {
      fprintf (stderr, "fuzz-driver: %s\n", error->message);
      exit (1);
    }
  g_ptr_array_add (corpus, g_bytes_new_take (contents, len));
  g_ptr_array_add (names, g_strdup (path));
}

/* Adds @path, or every regular file in it (sorted, hidden files and
 * README files skipped) if it is a directory. */
static void
add_path (GPtrArray  *corpus,
          GPtrArray  *names,
          const char *path)
{
  GDir *dir;
  GPtrArray *entries;
  const char *name;
  GError *error = NULL;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      add_file (corpus, names, path);
      return;
    }
  dir = g_dir_open (path, 0, &error);
  if (dir == NULL)
    {
      fprintf (stderr, "fuzz-driver: %s\n", error->message);
      exit (1);
    }
  entries = g_ptr_array_new_with_free_func (g_free);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      char *child = g_build_filename (path, name, NULL);

      if (name[0] != '.' && !g_str_has_prefix (name, "README")
          && g_file_test (child, G_FILE_TEST_IS_REGULAR))
        g_ptr_array_add (entries, child);
      else
        g_free (child);
    }
  g_dir_close (dir);
  g_ptr_array_sort (entries, compare_strings);
  for (guint i = 0; i < entries->len; i++)
    add_file (corpus, names, g_ptr_array_index (entries, i));
  g_ptr_array_unref (entries);
}

/* ---- naming the input that failed ------------------------------------------ */

/* Filled in before each input, printed if the target dies on it. */
static char current_input[512];

static void
on_fatal_signal (int signum)
{
  static const char prefix[] = "fuzz-driver: died on ";

  if (write (STDERR_FILENO, prefix, sizeof prefix - 1) < 0
      || write (STDERR_FILENO, current_input, strlen (current_input)) < 0
      || write (STDERR_FILENO, "\n", 1) < 0)
    {
      /* Nothing more can be done on the way down. */
    }
  signal (signum, SIG_DFL);
  raise (signum);
}

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

/* AddressSanitizer reports a bad access itself and then aborts (with
 * abort_on_error=1, as the tests run it): leave SIGSEGV and the like to it. */
static void
catch_fatal_signals (void)
{
#ifdef UNDER_ASAN
  static const int signals[] = { SIGABRT, SIGTRAP };
#else
  static const int signals[] = { SIGABRT, SIGTRAP, SIGSEGV, SIGBUS, SIGFPE, SIGILL };
#endif

  for (guint i = 0; i < G_N_ELEMENTS (signals); i++)
    signal (signals[i], on_fatal_signal);
}

/* ---- mutations -------------------------------------------------------------- */

static const guint8 interesting_bytes[] = { 0x00, 0x01, 0x7f, 0x80, 0xff, 0x10, 0x40 };

/* One random change to @buf, in place; @other is another corpus input for
 * splicing. */
static void
mutate_once (GByteArray *buf,
             GBytes     *other,
             gsize       max_len)
{
  gsize len = buf->len;

  switch (rng_below (11))
    {
    case 0: /* flip one to four bits */
      if (len > 0)
        for (gsize n = 1 + rng_below (4); n > 0; n--)
          buf->data[rng_below (len)] ^= (guint8) (1u << rng_below (8));
      break;
    case 1: /* a random byte */
      if (len > 0)
        buf->data[rng_below (len)] = (guint8) rng_next ();
      break;
    case 2: /* a boundary value */
      if (len > 0)
        buf->data[rng_below (len)] = interesting_bytes[rng_below (sizeof interesting_bytes)];
      break;
    case 3: /* truncate */
      g_byte_array_set_size (buf, rng_below (len + 1));
      break;
    case 4: /* append random bytes */
      for (gsize n = 1 + rng_below (16); n > 0 && buf->len < max_len; n--)
        {
          guint8 byte = (guint8) rng_next ();

          g_byte_array_append (buf, &byte, 1);
        }
      break;
    case 5: /* delete a range */
      if (len > 0)
        {
          gsize at = rng_below (len);

          g_byte_array_remove_range (buf, at, 1 + rng_below (MIN (len - at, (gsize) 64)));
        }
      break;
    case 6: /* insert random bytes */
      {
        guint8 bytes[16];
        gsize n = 1 + rng_below (sizeof bytes);

        for (gsize i = 0; i < n; i++)
          bytes[i] = (guint8) rng_next ();
        if (len + n <= max_len)
          {
            gsize at = rng_below (len + 1);

            g_byte_array_set_size (buf, len + n);
            memmove (buf->data + at + n, buf->data + at, len - at);
            memcpy (buf->data + at, bytes, n);
          }
      }
      break;
    case 7: /* overwrite a range with random bytes */
      if (len > 0)
        {
          gsize at = rng_below (len);

          for (gsize n = 1 + rng_below (MIN (len - at, (gsize) 32)); n > 0; n--)
            buf->data[at + n - 1] = (guint8) rng_next ();
        }
      break;
    case 8: /* copy a range over another place */
      if (len > 1)
        {
          gsize from = rng_below (len);
          gsize to = rng_below (len);
          gsize n = 1 + rng_below (MIN (len - MAX (from, to), (gsize) 64));

          memmove (buf->data + to, buf->data + from, n);
        }
      break;
    case 9: /* add a small number to a 32-bit field, either byte order */
      if (len >= 4)
        {
          gsize at = rng_below (len - 3);
          guint32 delta = (guint32) rng_below (33) - 16;
          gboolean big = rng_below (2);
          guint32 v = 0;

          for (guint i = 0; i < 4; i++)
            v |= (guint32) buf->data[at + (big ? 3 - i : i)] << (8 * i);
          v += delta;
          for (guint i = 0; i < 4; i++)
            buf->data[at + (big ? 3 - i : i)] = (v >> (8 * i)) & 0xff;
        }
      break;
    case 10: /* splice: our head, the other input's tail */
      {
        gsize other_len;
        const guint8 *other_data = g_bytes_get_data (other, &other_len);
        gsize cut = rng_below (len + 1);
        gsize from = rng_below (other_len + 1);

        g_byte_array_set_size (buf, cut);
        if (other_data != NULL && from < other_len)
          g_byte_array_append (buf, other_data + from, MIN (other_len - from, max_len - cut));
      }
      break;
    default:
      g_assert_not_reached ();
    }
  if (buf->len > max_len)
    g_byte_array_set_size (buf, max_len);
}

/* Runs one input from an exact-size heap copy. */
static void
run_input (const guint8 *data,
           gsize         len)
{
  guint8 *copy = g_malloc (MAX (len, (gsize) 1));

  if (len > 0)
    memcpy (copy, data, len);
  LLVMFuzzerTestOneInput (copy, len);
  g_free (copy);
}

static void
save_input (const char   *path,
            const guint8 *data,
            gsize         len)
{
  GError *error = NULL;

  if (!g_file_set_contents (path, (const char *) data, len, &error))
    {
      fprintf (stderr, "fuzz-driver: %s\n", error->message);
      exit (1);
    }
  fprintf (stderr, "fuzz-driver: wrote %" G_GSIZE_FORMAT " bytes to %s\n", len, path);
}

/* ---- main -------------------------------------------------------------------- */

static gboolean
parse_number (const char *arg,
              const char *option,
              guint64    *out)
{
  gsize option_len = strlen (option);
  char *end = NULL;

  if (strncmp (arg, option, option_len) != 0 || arg[option_len] != '=')
    return FALSE;
  *out = g_ascii_strtoull (arg + option_len + 1, &end, 0);
  if (end == arg + option_len + 1 || *end != '\0')
    {
      fprintf (stderr, "fuzz-driver: %s needs a number\n", option);
      exit (2);
    }
  return TRUE;
}

int
main (int    argc,
      char **argv)
{
  GPtrArray *corpus = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  guint64 mutations = 2000, seed = 1, max_len = 64 * 1024, only = G_MAXUINT64;
  const char *save = NULL;
  const char *env = g_getenv ("LIA_FUZZ_MUTATIONS");
  gint64 start = g_get_monotonic_time ();
  GByteArray *buf = g_byte_array_new ();
  guint64 ran_seeds = 0, ran_mutations = 0;

  for (int i = 1; i < argc; i++)
    {
      if (parse_number (argv[i], "--mutations", &mutations)
          || parse_number (argv[i], "--seed", &seed) || parse_number (argv[i], "--max-len", &max_len)
          || parse_number (argv[i], "--only", &only))
        continue;
      if (g_str_has_prefix (argv[i], "--save="))
        save = argv[i] + strlen ("--save=");
      else if (argv[i][0] == '-')
        {
          fprintf (stderr, "usage: %s [--mutations=N] [--seed=S] [--max-len=L] [--only=N] "
                   "[--save=FILE] CORPUS_DIR_OR_FILE...\n", argv[0]);
          return 2;
        }
      else
        add_path (corpus, names, argv[i]);
    }
  if (env != NULL)
    mutations = g_ascii_strtoull (env, NULL, 10);
  if (only != G_MAXUINT64)
    mutations = MAX (mutations, only + 1);
  if (corpus->len == 0)
    {
      fprintf (stderr, "fuzz-driver: no corpus inputs given\n");
      return 1;
    }
  catch_fatal_signals ();

  /* Mutation M is always the same input for the same corpus and seed,
   * whether or not the inputs before it were run. */
  for (guint i = 0; i < corpus->len && only == G_MAXUINT64; i++)
    {
      gsize len;
      const guint8 *data = g_bytes_get_data (g_ptr_array_index (corpus, i), &len);

      g_snprintf (current_input, sizeof current_input, "%s",
                  (const char *) g_ptr_array_index (names, i));
      run_input (data, len);
      ran_seeds++;
    }
  for (guint64 m = 0; m < mutations; m++)
    {
      guint index = (guint) (m % corpus->len);
      GBytes *seed_bytes = g_ptr_array_index (corpus, index);
      gsize len;
      const guint8 *data = g_bytes_get_data (seed_bytes, &len);

      rng_state = seed ^ (m * G_GUINT64_CONSTANT (0x2545f4914f6cdd1d));
      g_byte_array_set_size (buf, 0);
      g_byte_array_append (buf, data, MIN (len, (gsize) max_len));
      for (gsize n = 1 + rng_below (4); n > 0; n--)
        mutate_once (buf, g_ptr_array_index (corpus, rng_below (corpus->len)), max_len);

      if (only != G_MAXUINT64 && m != only)
        continue;
      g_snprintf (current_input, sizeof current_input,
                  "mutation %" G_GUINT64_FORMAT " (--seed=%" G_GUINT64_FORMAT " --only=%"
                  G_GUINT64_FORMAT " replays it) of %s, %u bytes", m, seed, m,
                  (const char *) g_ptr_array_index (names, index), buf->len);
      if (only != G_MAXUINT64 || g_getenv ("LIA_FUZZ_TRACE") != NULL)
        fprintf (stderr, "fuzz-driver: %s\n", current_input);
      if (save != NULL)
        save_input (save, buf->data, buf->len);
      run_input (buf->data, buf->len);
      ran_mutations++;
    }

  fprintf (stderr, "fuzz-driver: %" G_GUINT64_FORMAT " corpus inputs and %" G_GUINT64_FORMAT
           " mutations (seed %" G_GUINT64_FORMAT ") in %.1f s, no failure\n", ran_seeds,
           ran_mutations, seed, (g_get_monotonic_time () - start) / 1e6);
  g_byte_array_unref (buf);
  g_ptr_array_unref (corpus);
  g_ptr_array_unref (names);
  return 0;
}
