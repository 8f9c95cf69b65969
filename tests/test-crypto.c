/* test-crypto.c: secret memory, identity helpers, process hardening.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/resource.h>

#include "lia-crypto.h"
#include "lia-hardening.h"
#include "lia-identity.h"
#include "lia-test-util.h"

static void
test_secret_basics (void)
{
  g_autoptr (LiaSecret) zero = lia_secret_new (16);
  g_autoptr (LiaSecret) a = lia_secret_new_from_string ("passphrase");
  g_autoptr (LiaSecret) b = lia_secret_copy (a);
  g_autoptr (LiaSecret) c = lia_secret_new_from_string ("passphrasf");
  g_autoptr (LiaSecret) empty = lia_secret_new_from_string ("");

  g_assert_cmpuint (zero->len, ==, 16);
  for (guint i = 0; i <= zero->len; i++)
    g_assert_cmpuint (zero->data[i], ==, 0);

  g_assert_cmpuint (a->len, ==, 10);
  g_assert_cmpstr (lia_secret_get_string (a), ==, "passphrase");
  g_assert_true (lia_secret_equal (a, b));
  g_assert_false (lia_secret_equal (a, c));
  g_assert_false (lia_secret_equal (a, empty));
  g_assert_cmpuint (empty->len, ==, 0);
  g_assert_cmpstr (lia_secret_get_string (empty), ==, "");
}

static void
test_org_kinds (void)
{
  static const char *const names[] = { "local-authority", "icb", "police", "iopc", "agency" };
  LiaOrgKind kind;

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_assert_true (lia_org_kind_from_string (names[i], &kind));
      g_assert_cmpint (kind, ==, (LiaOrgKind) i);
      g_assert_cmpstr (lia_org_kind_to_string (kind), ==, names[i]);
      g_assert_nonnull (strstr (lia_org_kind_all_names (), names[i]));
    }
  g_assert_false (lia_org_kind_from_string ("Police", &kind));
  g_assert_false (lia_org_kind_from_string ("", &kind));
  g_assert_false (lia_org_kind_from_string (NULL, &kind));
}

static void
test_fingerprint (void)
{
  guint8 key[32] = { 0 };
  g_autofree char *fp1 = lia_identity_fingerprint (key);
  g_autofree char *fp2 = lia_identity_fingerprint (key);
  g_autofree char *fp3 = NULL;

  /* Ten groups of four upper-case hex digits. */
  g_assert_cmpuint (strlen (fp1), ==, 49);
  for (guint i = 0; i < 49; i++)
    {
      if (i % 5 == 4)
        g_assert_cmpint (fp1[i], ==, ' ');
      else
        g_assert_true (g_ascii_isxdigit (fp1[i]) && !g_ascii_islower (fp1[i]));
    }
  g_assert_cmpstr (fp1, ==, fp2);
  key[31] = 1;
  fp3 = lia_identity_fingerprint (key);
  g_assert_cmpstr (fp1, !=, fp3);
}

static void
test_hardening (void)
{
  struct rlimit before, during, after;

  g_assert_cmpint (getrlimit (RLIMIT_CORE, &before), ==, 0);
  g_assert_cmpint (prctl (PR_GET_DUMPABLE, 0, 0, 0, 0), ==, 1);

  lia_hardening_hold ();
  lia_hardening_hold ();
  g_assert_cmpint (getrlimit (RLIMIT_CORE, &during), ==, 0);
  g_assert_cmpuint (during.rlim_cur, ==, 0);
  g_assert_cmpuint (during.rlim_max, ==, before.rlim_max);
  g_assert_cmpint (prctl (PR_GET_DUMPABLE, 0, 0, 0, 0), ==, 0);

  /* One hold remains: still hardened. */
  lia_hardening_release ();
  g_assert_cmpint (prctl (PR_GET_DUMPABLE, 0, 0, 0, 0), ==, 0);

  lia_hardening_release ();
  g_assert_cmpint (getrlimit (RLIMIT_CORE, &after), ==, 0);
  g_assert_cmpuint (after.rlim_cur, ==, before.rlim_cur);
  g_assert_cmpint (prctl (PR_GET_DUMPABLE, 0, 0, 0, 0), ==, 1);
}

int
main (int argc, char **argv)
{
  lia_test_init (&argc, &argv);

  g_test_add_func ("/crypto/secret/basics", test_secret_basics);
  g_test_add_func ("/identity/kinds", test_org_kinds);
  g_test_add_func ("/identity/fingerprint", test_fingerprint);
  g_test_add_func ("/hardening/hold-release", test_hardening);

  return g_test_run ();
}
