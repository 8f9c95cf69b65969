/* lia-hardening.c: process settings that keep secrets out of core dumps.
 *
 * sodium_malloc() already excludes secret buffers from dumps, but an unlocked
 * store holds decrypted case material in SQLite's page cache, which is
 * ordinary heap. So while any store is open the whole process is made
 * undumpable.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "lia-hardening.h"

static GMutex hardening_lock;
static guint hold_count;
static struct rlimit saved_core_limit;
static int saved_dumpable = -1;

void
lia_hardening_hold (void)
{
  g_mutex_lock (&hardening_lock);
  if (hold_count++ == 0)
    {
      struct rlimit none;

      if (getrlimit (RLIMIT_CORE, &saved_core_limit) == 0)
        {
          /* Lower the soft limit only: a process cannot raise its hard limit
           * again, and the last release must be able to restore it. */
          none.rlim_cur = 0;
          none.rlim_max = saved_core_limit.rlim_max;
          if (setrlimit (RLIMIT_CORE, &none) != 0)
            g_warning ("Could not disable core dumps: %s", g_strerror (errno));
        }
      saved_dumpable = prctl (PR_GET_DUMPABLE, 0, 0, 0, 0);
      if (prctl (PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
        g_warning ("Could not mark the process undumpable: %s", g_strerror (errno));
    }
  g_mutex_unlock (&hardening_lock);
}

void
lia_hardening_release (void)
{
  g_mutex_lock (&hardening_lock);
  if (hold_count == 0)
    {
      g_mutex_unlock (&hardening_lock);
      g_critical ("lia_hardening_release() called without a matching hold");
      return;
    }
  if (--hold_count == 0)
    {
      if (setrlimit (RLIMIT_CORE, &saved_core_limit) != 0)
        g_warning ("Could not restore the core dump limit: %s", g_strerror (errno));
      if (saved_dumpable > 0)
        (void) prctl (PR_SET_DUMPABLE, saved_dumpable, 0, 0, 0);
    }
  g_mutex_unlock (&hardening_lock);
}
