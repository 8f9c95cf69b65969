/* lia-hardening.h: process settings that keep secrets out of core dumps.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* While at least one hold is taken, the process makes no core dumps and
 * cannot be attached to by a debugger of the same user (PR_SET_DUMPABLE 0).
 * The settings in force before the first hold come back after the last
 * release. Thread-safe. */
void lia_hardening_hold (void);
void lia_hardening_release (void);

G_END_DECLS
