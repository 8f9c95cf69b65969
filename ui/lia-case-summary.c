/* lia-case-summary.c: what the case list shows of each case.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "lia-case-summary.h"

void
lia_case_summary_free (LiaCaseSummary *summary)
{
  if (summary == NULL)
    return;
  g_free (summary->id);
  g_free (summary->title);
  g_free (summary->child);
  g_free (summary->area);
  g_free (summary->lead);
  g_free (summary->next_title);
  g_free (summary->search_key);
  g_free (summary);
}

LiaBadge
lia_badge_for (LiaCalendar      *calendar,
               LiaMilestoneState state,
               const GDate      *due,
               const GDate      *today)
{
  GDate soon;

  if (!lia_milestone_state_is_open (state) || !g_date_valid (due))
    return LIA_BADGE_NONE;
  if (state == LIA_MILESTONE_OVERDUE || g_date_compare (due, today) < 0)
    return LIA_BADGE_OVERDUE;
  if (!lia_calendar_add_working_days (calendar, today, LIA_BADGE_SOON_DAYS, &soon, NULL))
    {
      /* Beyond the calendar's years: a week of weekdays. */
      soon = *today;
      g_date_add_days (&soon, 7);
    }
  return g_date_compare (due, &soon) <= 0 ? LIA_BADGE_SOON : LIA_BADGE_LATER;
}

GPtrArray *
lia_case_summaries_load (LiaStore    *store,
                         const GDate *today,
                         GError     **error)
{
  g_autoptr (GPtrArray) cases = NULL;
  g_autoptr (GHashTable) next = NULL;
  g_autoptr (LiaOrg) self_org = NULL;
  g_autoptr (LiaCalendar) calendar = lia_calendar_ref_current ();
  GPtrArray *summaries;

  cases = lia_case_list (store, error);
  if (cases == NULL)
    return NULL;
  /* Each case's next deadline, from the store's table of milestones. */
  next = lia_deadlines_next_by_case (store, today, error);
  if (next == NULL)
    return NULL;
  self_org = lia_store_get_self (store, error);
  if (self_org == NULL)
    return NULL;

  summaries = g_ptr_array_new_full (cases->len, (GDestroyNotify) lia_case_summary_free);
  for (guint i = 0; i < cases->len; i++)
    {
      const LiaCase *c = cases->pdata[i];
      LiaMilestone *m = g_hash_table_lookup (next, c->id);
      LiaCaseSummary *s = g_new0 (LiaCaseSummary, 1);
      g_autofree char *haystack = NULL;

      s->id = g_strdup (c->id);
      s->title = g_strdup (c->title);
      s->child = g_strdup (c->child);
      s->area = g_strdup (c->area);
      s->lead = g_strdup (c->lead != NULL ? c->lead->name : "");
      s->ours = c->lead != NULL && c->lead->id == self_org->id;
      s->closed = c->closed;
      g_date_clear (&s->next_due, 1);
      if (m != NULL)
        {
          s->next_title = g_strdup (m->title);
          s->next_due = m->due;
          s->next_state = m->state;
          s->badge = lia_badge_for (calendar, m->state, &m->due, today);
        }
      haystack = g_strjoin (" ", s->title, s->child ? s->child : "", s->area ? s->area : "",
                            s->lead, s->id, NULL);
      s->search_key = g_utf8_casefold (haystack, -1);
      g_ptr_array_add (summaries, s);
    }
  return summaries;
}

gboolean
lia_case_summary_equal (gconstpointer a,
                        gconstpointer b)
{
  const LiaCaseSummary *x = a, *y = b;

  return g_str_equal (x->id, y->id) && g_strcmp0 (x->search_key, y->search_key) == 0
         && x->closed == y->closed && x->badge == y->badge
         && g_strcmp0 (x->next_title, y->next_title) == 0
         && ((!g_date_valid (&x->next_due) && !g_date_valid (&y->next_due))
             || (g_date_valid (&x->next_due) && g_date_valid (&y->next_due)
                 && g_date_compare (&x->next_due, &y->next_due) == 0));
}
