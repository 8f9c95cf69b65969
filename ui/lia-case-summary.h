/* lia-case-summary.h: what the case list shows of each case.
 *
 * Loaded on the store's thread, all cases at once: each case's facts and
 * the open milestone due soonest, with the badge that says how near it
 * is.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "lia-calendar.h"
#include "lia-deadlines.h"
#include "lia-store.h"

G_BEGIN_DECLS

/* How near a case's next deadline is. */
typedef enum
{
  LIA_BADGE_NONE,     /* nothing open */
  LIA_BADGE_LATER,    /* due more than 5 working days from today */
  LIA_BADGE_SOON,     /* due within 5 working days */
  LIA_BADGE_OVERDUE,
} LiaBadge;

/* Working days ahead within which a deadline counts as soon. */
#define LIA_BADGE_SOON_DAYS 5

typedef struct
{
  char              *id;
  char              *title;
  char              *child;
  char              *area;
  char              *lead;          /* the lead organisation's name */
  gboolean           ours;          /* this organisation leads it */
  gboolean           closed;
  char              *next_title;    /* the next open milestone, or NULL */
  GDate              next_due;
  LiaMilestoneState  next_state;
  LiaBadge           badge;
  char              *search_key;    /* case-folded words to match a search against */
} LiaCaseSummary;

void       lia_case_summary_free (LiaCaseSummary *summary);

/* Every case, newest first, with its next deadline as of @today. */
GPtrArray *lia_case_summaries_load (LiaStore    *store,
                                    const GDate *today,
                                    GError     **error);

/* The badge for a milestone in @state due on @due, as of @today. */
LiaBadge   lia_badge_for (LiaCalendar      *calendar,
                          LiaMilestoneState state,
                          const GDate      *due,
                          const GDate      *today);

/* Whether two summaries show the same. */
gboolean   lia_case_summary_equal (gconstpointer a,
                                   gconstpointer b);

G_END_DECLS
