/* lia-deadlines.c: the statutory timeline of a case.
 *
 * The rules are DESIGN.md's table, from Working Together 2023, the Bucks
 * LCSPR procedure and the IOPC advisory framework. Each milestone is
 * computed from the case's process fields alone, so that the same case
 * gives the same timeline in every organisation's store.
 *
 * The computation comes in two steps. compute() works out everything
 * that does not depend on the day: due dates, windows, what was met and
 * when, notes. What does depend on it (due or overdue; a report kept
 * public until a date; a delay that only counts once the limit has
 * passed) is left as a clock on the milestone, which resolve() turns into
 * a state for a given day. lia_deadlines_compute() does both. The store
 * keeps the first step's results in its milestone table, recomputed in
 * the transaction of every write that can change them, so that reading
 * every case's deadlines is reading rows in due-date order rather than
 * working out 135,000 milestones (BENCHMARKS.md); the second step runs as
 * they are read.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "lia-db.h"
#include "lia-deadlines.h"
#include "lia-model-private.h"

static const char *const state_names[] = {
  "awaiting", "due", "overdue", "met", "met-late", "not-applicable",
};

static const char *const state_labels[] = {
  N_("Waiting"), N_("Due"), N_("Overdue"), N_("Met"), N_("Met late"), N_("Not applicable"),
};

const char *
lia_milestone_state_to_string (LiaMilestoneState state)
{
  g_return_val_if_fail (state <= LIA_MILESTONE_NOT_APPLICABLE, NULL);
  return state_names[state];
}

const char *
lia_milestone_state_label (LiaMilestoneState state)
{
  g_return_val_if_fail (state <= LIA_MILESTONE_NOT_APPLICABLE, NULL);
  return state_labels[state];
}

gboolean
lia_milestone_state_is_open (LiaMilestoneState state)
{
  return state == LIA_MILESTONE_DUE || state == LIA_MILESTONE_OVERDUE;
}

void
lia_milestone_free (LiaMilestone *milestone)
{
  if (milestone == NULL)
    return;
  g_ref_string_release (milestone->case_id);
  g_ref_string_release (milestone->key);
  g_ref_string_release (milestone->title);
  g_free (milestone->note);
  g_free (milestone->record_id);
  g_free (milestone);
}

/* ---- the rules ------------------------------------------------------------ */

#define WT2023 "Working Together 2023"
#define FRAMEWORK "IOPC and Safeguarding Advisory Framework 2026"

/* How a milestone's state follows the day it is looked at. */
typedef enum
{
  CLOCK_NONE,       /* the state is settled whatever the day */
  CLOCK_OPEN,       /* due until the due date, overdue after it */
  CLOCK_UNTIL,      /* due until the due date, then met on it (a period to keep to) */
  CLOCK_IF_LATE,    /* not applicable until the due date has passed; then met on
                     * met_on if there is one (late if after the due date), else overdue */
} Clock;

/* The kinds of milestone: DESIGN.md's table in its order, then those of
 * records. */
typedef enum
{
  M_NOTIFY_PANEL,
  M_INFORMATION_REQUEST,
  M_RAPID_REVIEW_MEETING,
  M_RAPID_REVIEW_SUBMITTED,
  M_RECOMMENDATION,
  M_LCSPR_PUBLICATION,
  M_REPORT_TO_PANEL,
  M_PUBLICATION_DELAY,
  M_IOPC_REPRESENTATIONS,
  M_KEEP_PUBLISHED,
  M_ACTION,
  M_DESTROY,
  M_RETURN,
  N_KINDS
} Kind;

#define N_STATUTORY M_ACTION

/* For a record's milestone, the key is "KIND:RECORD-ID" and the title
 * "TITLE: the record's title". */
static const struct
{
  const char *key;
  const char *title;
  const char *rule;
  const char *source;
} kinds[N_KINDS] = {
  [M_NOTIFY_PANEL] = {
    "notify-panel", N_("Notify the Panel of the serious incident"),
    N_("Within 5 working days of the local authority becoming aware of the incident"),
    WT2023 " (section 16C Children Act 2004)" },
  [M_INFORMATION_REQUEST] = {
    "information-request", N_("Send the information request to agencies"),
    N_("Within 2 working days of the notification"), "Bucks procedure 4.3" },
  [M_RAPID_REVIEW_MEETING] = {
    "rapid-review-meeting", N_("Hold the rapid review meeting"),
    N_("Between 7 and 13 working days after the notification"), "Bucks procedure 4.4" },
  [M_RAPID_REVIEW_SUBMITTED] = {
    "rapid-review-submitted", N_("Submit the rapid review to the Panel"),
    N_("Within 15 working days of becoming aware of the incident"),
    "Child Safeguarding Practice Review Panel guidance (" WT2023 ")" },
  [M_RECOMMENDATION] = {
    "recommendation", N_("Send the recommendation to the partnership chair"),
    N_("Within one month of the notification"), "Bucks procedure 4.7" },
  [M_LCSPR_PUBLICATION] = {
    "lcspr-publication", N_("Publish the LCSPR report"),
    N_("No later than 6 months from the decision to hold the review"), WT2023 },
  [M_REPORT_TO_PANEL] = {
    "report-to-panel", N_("Send the full report to the Panel and the Secretary of State (and Ofsted)"),
    N_("No later than 7 working days before publication"), WT2023 },
  [M_PUBLICATION_DELAY] = {
    "publication-delay", N_("Tell the Panel and the Secretary of State of the delay in publication"),
    N_("When publication will be later than 6 months from the decision, tell the Panel and "
    "the Secretary of State, with the reasons"), WT2023 },
  [M_IOPC_REPRESENTATIONS] = {
    "iopc-representations", N_("Ask the IOPC for representations on publication"),
    N_("Before an LCSPR is published while an IOPC investigation is open, ask the IOPC "
    "whether it has representations on publication"),
    FRAMEWORK " (Reports and publication)" },
  [M_KEEP_PUBLISHED] = {
    "keep-published", N_("Keep the published report publicly available"),
    N_("At least one year after publication (three years for a national review)"), WT2023 },
  [M_ACTION] = {
    "action", N_("Action"),
    N_("The due date agreed in the action plan"), "Case action plan" },
  [M_DESTROY] = {
    "destroy", N_("Destroy"),
    N_("Destroy the disclosed material on the agreed date"),
    FRAMEWORK " (Disclosure and sharing of material)" },
  [M_RETURN] = {
    "return", N_("Return"),
    N_("Return the disclosed material on the agreed date"),
    FRAMEWORK " (Disclosure and sharing of material)" },
};

/* A milestone's kind, from the rule and source it carries (they are this
 * file's own strings). */
static Kind
kind_of (const LiaMilestone *m)
{
  for (guint i = 0; i < N_KINDS; i++)
    if (m->rule == kinds[i].rule)
      return (Kind) i;
  g_assert_not_reached ();
}

static int
kind_from_string (const char *key)
{
  for (guint i = 0; i < N_KINDS; i++)
    if (g_str_equal (key, kinds[i].key))
      return (int) i;
  return -1;
}

/* The statutory milestones' keys and titles as reference-counted strings,
 * made once for the life of the process and shared by every milestone. */
static char *
statutory_ref (Kind     which,
               gboolean title)
{
  static gsize made = 0;
  static char *refs[N_STATUTORY][2];

  g_assert (which < N_STATUTORY);
  if (g_once_init_enter (&made))
    {
      for (guint i = 0; i < N_STATUTORY; i++)
        {
          refs[i][0] = g_ref_string_new_intern (kinds[i].key);
          refs[i][1] = g_ref_string_new_intern (kinds[i].title);
        }
      g_once_init_leave (&made, 1);
    }
  return g_ref_string_acquire (refs[which][title ? 1 : 0]);
}

/* The key and title of a record's milestone. */
static char *
record_key_ref (Kind        which,
                const char *record_id)
{
  g_autofree char *key = g_strconcat (kinds[which].key, ":", record_id, NULL);

  return g_ref_string_new (key);
}

static char *
record_title_ref (Kind        which,
                  const char *record_title)
{
  g_autofree char *title = g_strconcat (kinds[which].title, ": ", record_title, NULL);

  return g_ref_string_new (title);
}

/* The case fields the rules read, by index. */
typedef enum
{
  FACT_NOTIFIED,
  FACT_REQUEST_SENT,
  FACT_MEETING,
  FACT_SUBMITTED,
  FACT_RECOMMENDATION_SENT,
  FACT_OUTCOME,
  FACT_DECISION,
  FACT_PLANNED,
  FACT_PUBLISHED,
  FACT_REPORT_SENT,
  FACT_REPS_REQUESTED,
  FACT_NOT_PUBLISHED,
  FACT_IOPC_REFERRAL,
  FACT_IOPC_STATUS,
  FACT_IOPC_FINAL,
  N_FACTS
} Fact;

static const char *const fact_names[N_FACTS] = {
  [FACT_NOTIFIED] = "notification.sent",
  [FACT_REQUEST_SENT] = "rapid-review.request-sent",
  [FACT_MEETING] = "rapid-review.meeting",
  [FACT_SUBMITTED] = "rapid-review.submitted",
  [FACT_RECOMMENDATION_SENT] = "rapid-review.recommendation-sent",
  [FACT_OUTCOME] = "rapid-review.outcome",
  [FACT_DECISION] = "lcspr.decision",
  [FACT_PLANNED] = "lcspr.publication-planned",
  [FACT_PUBLISHED] = "lcspr.published",
  [FACT_REPORT_SENT] = "lcspr.report-sent",
  [FACT_REPS_REQUESTED] = "lcspr.representations-requested",
  [FACT_NOT_PUBLISHED] = "lcspr.not-published",
  [FACT_IOPC_REFERRAL] = "iopc.referral",
  [FACT_IOPC_STATUS] = "iopc.status",
  [FACT_IOPC_FINAL] = "iopc.final-report",
};

typedef struct
{
  LiaCalendar       *calendar;
  GPtrArray         *out;
  char              *case_ref;     /* GRefString of the case id, shared by its milestones */
  const GDate       *aware;
  const char *const *facts;        /* N_FACTS values, NULL where not set */
  GPtrArray         *delays;       /* LiaDelayNotice, or NULL */
} Timeline;

/* A new milestone, awaiting its start until the rules say otherwise;
 * @key_ref and @title_ref are taken. */
static LiaMilestone *
add_ref (Timeline *t,
         Kind      which,
         char     *key_ref,
         char     *title_ref)
{
  LiaMilestone *m = g_new0 (LiaMilestone, 1);

  m->case_id = g_ref_string_acquire (t->case_ref);
  m->key = key_ref;
  m->title = title_ref;
  m->rule = kinds[which].rule;
  m->source = kinds[which].source;
  g_date_clear (&m->window_start, 1);
  g_date_clear (&m->due, 1);
  g_date_clear (&m->met_on, 1);
  m->state = LIA_MILESTONE_AWAITING;
  m->clock = CLOCK_NONE;
  g_ptr_array_add (t->out, m);
  return m;
}

static LiaMilestone *
add (Timeline *t,
     Kind      which)
{
  return add_ref (t, which, statutory_ref (which, FALSE), statutory_ref (which, TRUE));
}

static void
append_note (LiaMilestone *m,
             const char   *note)
{
  char *joined = m->note != NULL ? g_strdup_printf ("%s %s", m->note, note) : g_strdup (note);

  g_free (m->note);
  m->note = joined;
}

/* @from plus @n working days (minus, for @n < 0), into @out. Past the
 * calendar's years, weekends alone are skipped, and the note says so. */
static void
working_days (Timeline     *t,
              LiaMilestone *m,
              const GDate  *from,
              int           n,
              GDate        *out)
{
  g_autoptr (GError) error = NULL;
  int step = n < 0 ? -1 : 1;
  int left = ABS (n);
  g_autofree char *note = NULL;

  if (lia_calendar_add_working_days (t->calendar, from, n, out, &error))
    return;
  *out = *from;
  while (left > 0)
    {
      if (step > 0)
        g_date_add_days (out, 1);
      else
        g_date_subtract_days (out, 1);
      if (g_date_get_weekday (out) < G_DATE_SATURDAY)
        left--;
    }
  note = g_strdup_printf ("The bank holidays of %d are not in the calendar (it covers %d to %d), "
                          "so this date skips weekends only; refresh the calendar with "
                          "“liaison-cli calendar refresh”.",
                          g_date_get_year (out), lia_calendar_get_first_year (t->calendar),
                          lia_calendar_get_last_year (t->calendar));
  append_note (m, note);
}

static void
months (const GDate *from,
        int          n,
        GDate       *out)
{
  *out = *from;
  lia_date_add_months (out, n);
}

/* Met on @done (late if after the due date or outside the window). */
static void
met (LiaMilestone *m,
     const GDate  *done)
{
  m->met_on = *done;
  m->state = LIA_MILESTONE_MET;
  if (g_date_valid (&m->due) && g_date_compare (done, &m->due) > 0)
    m->state = LIA_MILESTONE_MET_LATE;
  if (g_date_valid (&m->window_start) && g_date_compare (done, &m->window_start) < 0)
    {
      m->state = LIA_MILESTONE_MET_LATE;
      append_note (m, "Held before the window opened.");
    }
  else if (m->state == LIA_MILESTONE_MET_LATE && g_date_valid (&m->window_start))
    append_note (m, "Held after the window closed.");
}

/* A milestone with a due date (and perhaps a window) and perhaps the date
 * it was met: met, or open (due or overdue by the day), or awaiting its
 * start if it has no due date yet. */
static void
settle (LiaMilestone *m,
        const GDate  *done)
{
  if (done != NULL && g_date_valid (done))
    met (m, done);
  else if (!g_date_valid (&m->due))
    m->state = LIA_MILESTONE_AWAITING;
  else
    m->clock = CLOCK_OPEN;
}

static void
not_applicable (LiaMilestone *m,
                const char   *why)
{
  m->state = LIA_MILESTONE_NOT_APPLICABLE;
  m->clock = CLOCK_NONE;
  g_date_clear (&m->due, 1);
  g_date_clear (&m->window_start, 1);
  append_note (m, why);
}

/* The state of @m on @today. It returns the note to add, if any, rather
 * than adding it, so that it also serves milestones whose strings are
 * lent (lia_deadlines_foreach()). */
static const char *
resolve_state (LiaMilestone *m,
               const GDate  *today)
{
  gboolean passed = g_date_valid (&m->due) && g_date_compare (today, &m->due) > 0;
  const char *note = NULL;

  switch ((Clock) m->clock)
    {
    case CLOCK_NONE:
    default:
      return NULL;
    case CLOCK_OPEN:
      m->state = passed ? LIA_MILESTONE_OVERDUE : LIA_MILESTONE_DUE;
      break;
    case CLOCK_UNTIL:
      m->state = passed ? LIA_MILESTONE_MET : LIA_MILESTONE_DUE;
      if (passed)
        m->met_on = m->due;
      break;
    case CLOCK_IF_LATE:
      if (!passed)
        {
          /* As not_applicable(). */
          m->state = LIA_MILESTONE_NOT_APPLICABLE;
          g_date_clear (&m->met_on, 1);
          g_date_clear (&m->due, 1);
          g_date_clear (&m->window_start, 1);
          note = "Publication is not late.";
        }
      else if (g_date_valid (&m->met_on))
        m->state = g_date_compare (&m->met_on, &m->due) > 0 ? LIA_MILESTONE_MET_LATE
                                                            : LIA_MILESTONE_MET;
      else
        m->state = LIA_MILESTONE_OVERDUE;
      break;
    }
  m->clock = CLOCK_NONE;
  return note;
}

static void
resolve (LiaMilestone *m,
         const GDate  *today)
{
  const char *note = resolve_state (m, today);

  if (note != NULL)
    append_note (m, note);
}

static const char *
fact (Timeline *t, Fact f)
{
  return t->facts[f];
}

static gboolean
field_date (Timeline *t, Fact f, GDate *out)
{
  g_date_clear (out, 1);
  return t->facts[f] != NULL && lia_date_parse (t->facts[f], out, NULL);
}

static gboolean
field_is (Timeline *t, Fact f, const char *value)
{
  return g_strcmp0 (t->facts[f], value) == 0;
}

typedef enum
{
  LCSPR_UNDECIDED,      /* no outcome and no decision yet */
  LCSPR_EXPECTED,       /* the rapid review chose an LCSPR; no decision date yet */
  LCSPR_DECIDED,
  LCSPR_NONE,           /* the rapid review chose otherwise */
} LcsprState;

static void
rapid_review (Timeline *t)
{
  LiaMilestone *m;
  GDate notified, done;
  gboolean have_notified = field_date (t, FACT_NOTIFIED, &notified);

  m = add (t, M_NOTIFY_PANEL);
  working_days (t, m, t->aware, 5, &m->due);
  settle (m, have_notified ? &notified : NULL);

  m = add (t, M_INFORMATION_REQUEST);
  if (have_notified)
    working_days (t, m, &notified, 2, &m->due);
  else
    append_note (m, "Starts when the Panel is notified.");
  settle (m, field_date (t, FACT_REQUEST_SENT, &done) ? &done : NULL);

  m = add (t, M_RAPID_REVIEW_MEETING);
  if (have_notified)
    {
      working_days (t, m, &notified, 7, &m->window_start);
      working_days (t, m, &notified, 13, &m->due);
    }
  else
    append_note (m, "Starts when the Panel is notified.");
  settle (m, field_date (t, FACT_MEETING, &done) ? &done : NULL);

  m = add (t, M_RAPID_REVIEW_SUBMITTED);
  working_days (t, m, t->aware, 15, &m->due);
  settle (m, field_date (t, FACT_SUBMITTED, &done) ? &done : NULL);

  m = add (t, M_RECOMMENDATION);
  if (have_notified)
    months (&notified, 1, &m->due);
  else
    append_note (m, "Starts when the Panel is notified.");
  settle (m, field_date (t, FACT_RECOMMENDATION_SENT, &done) ? &done : NULL);
}

/* The date the LCSPR is (or is to be) published: published, else planned,
 * else the statutory limit. */
static void
publication_date (Timeline *t, const GDate *limit, GDate *out)
{
  if (!field_date (t, FACT_PUBLISHED, out) && !field_date (t, FACT_PLANNED, out))
    *out = *limit;
}

static void
lcspr_undecided (LiaMilestone *m, LcsprState state)
{
  if (state == LCSPR_NONE)
    not_applicable (m, "The rapid review did not lead to a local review.");
  else if (state == LCSPR_EXPECTED)
    append_note (m, "Starts when the decision to hold the LCSPR is recorded.");
  else
    append_note (m, "Depends on the rapid review's outcome.");
}

/* The first delay notice sent, into @out (invalid if none). */
static void
first_delay_notice (Timeline *t, GDate *out)
{
  g_date_clear (out, 1);
  for (guint i = 0; t->delays != NULL && i < t->delays->len; i++)
    {
      const LiaDelayNotice *notice = t->delays->pdata[i];

      if (g_date_valid (&notice->sent)
          && (!g_date_valid (out) || g_date_compare (&notice->sent, out) < 0))
        *out = notice->sent;
    }
}

static void
lcspr (Timeline *t)
{
  LiaMilestone *m;
  GDate decision, limit, pub, published, planned, done, first_notice;
  gboolean is_published = field_date (t, FACT_PUBLISHED, &published);
  gboolean has_planned = field_date (t, FACT_PLANNED, &planned);
  const char *not_published = fact (t, FACT_NOT_PUBLISHED);
  const char *outcome = fact (t, FACT_OUTCOME);
  LcsprState state;
  gboolean iopc_open;

  if (field_date (t, FACT_DECISION, &decision))
    state = LCSPR_DECIDED;
  else if (g_strcmp0 (outcome, "lcspr") == 0)
    state = LCSPR_EXPECTED;
  else if (outcome != NULL)
    state = LCSPR_NONE;
  else
    state = LCSPR_UNDECIDED;
  if (state == LCSPR_DECIDED)
    {
      months (&decision, 6, &limit);
      publication_date (t, &limit, &pub);
    }

  m = add (t, M_LCSPR_PUBLICATION);
  if (state != LCSPR_DECIDED)
    lcspr_undecided (m, state);
  else
    {
      m->due = limit;
      if (!is_published && not_published != NULL)
        {
          g_autofree char *why = g_strdup_printf ("Decided not to publish: %s", not_published);

          not_applicable (m, why);
        }
      else
        settle (m, is_published ? &published : NULL);
    }

  m = add (t, M_REPORT_TO_PANEL);
  if (state != LCSPR_DECIDED)
    lcspr_undecided (m, state);
  else
    {
      working_days (t, m, &pub, -7, &m->due);
      settle (m, field_date (t, FACT_REPORT_SENT, &done) ? &done : NULL);
    }

  /* Late if published after the limit, or planned for after it; a report
   * not yet published and not planned late becomes late only when the
   * limit passes, which the clock leaves to the day it is looked at. */
  m = add (t, M_PUBLICATION_DELAY);
  if (state != LCSPR_DECIDED)
    not_applicable (m, "No LCSPR has been decided.");
  else if (not_published != NULL && !is_published)
    not_applicable (m, "Decided not to publish.");
  else if ((is_published && g_date_compare (&published, &limit) > 0)
           || (!is_published && has_planned && g_date_compare (&planned, &limit) > 0))
    {
      first_delay_notice (t, &first_notice);
      m->due = limit;
      settle (m, g_date_valid (&first_notice) ? &first_notice : NULL);
    }
  else if (!is_published)
    {
      first_delay_notice (t, &m->met_on);
      m->due = limit;
      m->clock = CLOCK_IF_LATE;
    }
  else
    not_applicable (m, "Publication is not late.");

  m = add (t, M_IOPC_REPRESENTATIONS);
  iopc_open = fact (t, FACT_IOPC_REFERRAL) != NULL
              && !field_is (t, FACT_IOPC_STATUS, "concluded")
              && fact (t, FACT_IOPC_FINAL) == NULL;
  if (state == LCSPR_DECIDED
      && (iopc_open || fact (t, FACT_REPS_REQUESTED) != NULL))
    {
      working_days (t, m, &pub, -1, &m->due);
      settle (m, field_date (t, FACT_REPS_REQUESTED, &done) ? &done : NULL);
    }
  else if (state != LCSPR_DECIDED)
    not_applicable (m, "No LCSPR has been decided.");
  else
    not_applicable (m, "No IOPC investigation is open.");

  m = add (t, M_KEEP_PUBLISHED);
  if (is_published)
    {
      months (&published, g_strcmp0 (outcome, "national-review") == 0 ? 36 : 12, &m->due);
      m->clock = CLOCK_UNTIL;
    }
  else if (state == LCSPR_DECIDED || state == LCSPR_EXPECTED || state == LCSPR_UNDECIDED)
    append_note (m, "Starts when the report is published.");
  else
    not_applicable (m, "The rapid review did not lead to a local review.");
}

static int
compare_record_ids (gconstpointer a,
                    gconstpointer b)
{
  const LiaRecord *x = *(LiaRecord *const *) a;
  const LiaRecord *y = *(LiaRecord *const *) b;

  return strcmp (x->id, y->id);
}

/* The action items, and the return or destruction dates, of the case's
 * records, in record id order whatever order they come in. A withdrawn
 * record has none (its originator took it back); a destroyed one keeps
 * only its destruction or return, met on the day it was done. */
static void
record_milestones (Timeline  *t,
                   GPtrArray *records)
{
  g_autoptr (GPtrArray) sorted = g_ptr_array_new ();

  for (guint i = 0; records != NULL && i < records->len; i++)
    {
      const LiaRecord *record = records->pdata[i];

      if (g_strcmp0 (record->case_id, t->case_ref) == 0 && !record->withdrawn)
        g_ptr_array_add (sorted, records->pdata[i]);
    }
  g_ptr_array_sort (sorted, compare_record_ids);

  for (guint i = 0; i < sorted->len; i++)
    {
      const LiaRecord *record = sorted->pdata[i];
      LiaMilestone *m;

      if (record->kind == LIA_RECORD_ACTION && !record->destroyed)
        {
          const char *due = lia_record_get_field (record, "due");
          const char *status = lia_record_get_field (record, "status");
          const char *owner = lia_record_get_field (record, "owner");

          m = add_ref (t, M_ACTION, record_key_ref (M_ACTION, record->id),
                       record_title_ref (M_ACTION, record->title));
          m->record_id = g_strdup (record->id);
          if (owner != NULL)
            m->note = g_strdup_printf ("Owner: %s.", owner);
          if (g_strcmp0 (status, "cancelled") == 0)
            not_applicable (m, "Cancelled.");
          else
            {
              if (due != NULL)
                lia_date_parse (due, &m->due, NULL);
              if (g_strcmp0 (status, "done") == 0)
                m->state = LIA_MILESTONE_MET;
              else
                settle (m, NULL);
            }
        }
      if (g_date_valid (&record->destroy_on) || g_date_valid (&record->return_on))
        {
          Kind which = g_date_valid (&record->destroy_on) ? M_DESTROY : M_RETURN;

          m = add_ref (t, which, record_key_ref (which, record->id),
                       record_title_ref (which, record->title));
          m->record_id = g_strdup (record->id);
          m->due = which == M_DESTROY ? record->destroy_on : record->return_on;
          if (record->destroyed)
            {
              g_autoptr (GDateTime) when = g_date_time_new_from_unix_local (record->destroyed_at);
              GDate done;

              g_date_clear (&done, 1);
              if (when != NULL)
                g_date_set_dmy (&done, g_date_time_get_day_of_month (when),
                                g_date_time_get_month (when), g_date_time_get_year (when));
              settle (m, &done);
            }
          else
            settle (m, NULL);
        }
    }
}

/* Appends the milestones of one case, not yet resolved for a day, to
 * @out. */
static void
compute (LiaCalendar       *calendar,
         const char        *case_id,
         const GDate       *aware,
         const char *const *facts,
         GPtrArray         *delays,
         GPtrArray         *records,
         GPtrArray         *out)
{
  Timeline t = { calendar, out, g_ref_string_new (case_id), aware, facts, delays };

  rapid_review (&t);
  lcspr (&t);
  record_milestones (&t, records);
  g_ref_string_release (t.case_ref);
}

GPtrArray *
lia_deadlines_compute (LiaCalendar   *calendar,
                       const LiaCase *lcase,
                       GPtrArray     *records,
                       const GDate   *today)
{
  const char *facts[N_FACTS];
  GPtrArray *out;

  g_return_val_if_fail (LIA_IS_CALENDAR (calendar), NULL);
  g_return_val_if_fail (lcase != NULL && g_date_valid (&lcase->aware), NULL);
  g_return_val_if_fail (today != NULL && g_date_valid (today), NULL);

  for (guint i = 0; i < N_FACTS; i++)
    facts[i] = lia_case_get_field (lcase, fact_names[i]);
  out = g_ptr_array_new_with_free_func ((GDestroyNotify) lia_milestone_free);
  compute (calendar, lcase->id, &lcase->aware, facts, lcase->delays, records, out);
  for (guint i = 0; i < out->len; i++)
    resolve (out->pdata[i], today);
  return out;
}

LiaMilestone *
lia_deadlines_next (GPtrArray *milestones)
{
  LiaMilestone *next = NULL;

  for (guint i = 0; milestones != NULL && i < milestones->len; i++)
    {
      LiaMilestone *m = milestones->pdata[i];

      if (!lia_milestone_state_is_open (m->state) || !g_date_valid (&m->due))
        continue;
      if (next == NULL || g_date_compare (&m->due, &next->due) < 0)
        next = m;
    }
  return next;
}

/* ---- what the rules read, from the store ----------------------------------- */

/* What the rules need of one case, read straight from the tables (no
 * LiaCase, no hash table of fields), for one case or every case at once. */
typedef struct
{
  char       *id;
  GDate       aware;
  const char *facts[N_FACTS];   /* in the loader's string chunk */
  GPtrArray  *delays;
} CaseFacts;

static void
case_facts_free (CaseFacts *c)
{
  g_free (c->id);
  g_clear_pointer (&c->delays, g_ptr_array_unref);
  g_free (c);
}

static int
fact_index (const char *name)
{
  for (int i = 0; i < N_FACTS; i++)
    if (g_str_equal (name, fact_names[i]))
      return i;
  return -1;
}

/* Every case, or the one @case_id (a full id), in id order, with its facts
 * and delay notices. Each query has a form for one case that its index
 * serves and one for all. */
static GPtrArray *
load_case_facts (sqlite3      *db,
                 const char   *case_id,
                 GStringChunk *strings,
                 GError      **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GPtrArray) cases = g_ptr_array_new_with_free_func ((GDestroyNotify) case_facts_free);
  g_autoptr (GString) names = g_string_new (NULL);
  g_autofree char *sql = NULL;
  guint next = 0;
  int rc;

  stmt = lia_db_prepare (db, case_id != NULL ? "SELECT id, aware FROM lcase WHERE id = ?1"
                                             : "SELECT id, aware FROM lcase ORDER BY id",
                         error);
  if (stmt == NULL)
    return NULL;
  lia_db_bind_text (stmt, 1, case_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      CaseFacts *c = g_new0 (CaseFacts, 1);

      c->id = lia_db_column_dup (stmt, 0);
      lia_db_column_date (stmt, 1, &c->aware);
      g_ptr_array_add (cases, c);
    }
  if (rc != SQLITE_DONE)
    {
      lia_store_set_sqlite_error (error, db, rc, "Could not read the cases");
      return NULL;
    }
  g_clear_pointer (&stmt, lia_db_release);

  /* The fields, in the same order (the primary key's): a merge, not a
   * lookup per row. The names are this file's own constants. */
  for (guint i = 0; i < N_FACTS; i++)
    g_string_append_printf (names, "%s'%s'", i ? ", " : "", fact_names[i]);
  sql = g_strdup_printf ("SELECT case_id, name, value FROM case_field "
                         "WHERE %s name IN (%s) ORDER BY case_id",
                         case_id != NULL ? "case_id = ?1 AND" : "", names->str);
  stmt = lia_db_prepare (db, sql, error);
  if (stmt == NULL)
    return NULL;
  lia_db_bind_text (stmt, 1, case_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *id = (const char *) sqlite3_column_text (stmt, 0);
      int index = fact_index ((const char *) sqlite3_column_text (stmt, 1));
      int order = 1;

      while (next < cases->len
             && (order = strcmp (((CaseFacts *) cases->pdata[next])->id, id)) < 0)
        next++;
      if (order != 0 || index < 0)
        continue;
      ((CaseFacts *) cases->pdata[next])->facts[index] =
        g_string_chunk_insert (strings, (const char *) sqlite3_column_text (stmt, 2));
    }
  if (rc != SQLITE_DONE)
    {
      lia_store_set_sqlite_error (error, db, rc, "Could not read the cases' processes");
      return NULL;
    }
  g_clear_pointer (&stmt, lia_db_release);

  stmt = lia_db_prepare (db, case_id != NULL
                               ? "SELECT case_id, id, sent, reason, revised FROM delay_notice "
                                 "WHERE case_id = ?1 ORDER BY sent, id"
                               : "SELECT case_id, id, sent, reason, revised FROM delay_notice "
                                 "ORDER BY case_id, sent, id",
                         error);
  if (stmt == NULL)
    return NULL;
  lia_db_bind_text (stmt, 1, case_id);
  next = 0;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *id = (const char *) sqlite3_column_text (stmt, 0);
      CaseFacts *c;
      int order = 1;

      while (next < cases->len
             && (order = strcmp (((CaseFacts *) cases->pdata[next])->id, id)) < 0)
        next++;
      if (order != 0)
        continue;
      c = cases->pdata[next];
      if (c->delays == NULL)
        c->delays = g_ptr_array_new_with_free_func ((GDestroyNotify) lia_delay_notice_free);
      g_ptr_array_add (c->delays, lia_delay_notice_from_row (stmt, 1));
    }
  if (rc != SQLITE_DONE)
    {
      lia_store_set_sqlite_error (error, db, rc, "Could not read the delay notices");
      return NULL;
    }
  return g_steal_pointer (&cases);
}

/* The records that make milestones (action items, and records with a
 * return or destruction date), in light form, in case id order: the
 * partial index record_dates holds exactly these. */
static GPtrArray *
load_dated_records (sqlite3    *db,
                    const char *case_id,
                    GError    **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GPtrArray) records = NULL;
  int rc;

  stmt = lia_db_prepare (db, case_id != NULL
                               ? "SELECT id, case_id, kind, title, destroy_on, return_on, "
                                 "  date, status, owner, withdrawn_at, destroyed_at "
                                 "FROM record INDEXED BY record_dates "
                                 "WHERE (destroy_on IS NOT NULL OR return_on IS NOT NULL "
                                 "       OR kind = 'action') AND case_id = ?1"
                               : "SELECT id, case_id, kind, title, destroy_on, return_on, "
                                 "  date, status, owner, withdrawn_at, destroyed_at "
                                 "FROM record INDEXED BY record_dates "
                                 "WHERE destroy_on IS NOT NULL OR return_on IS NOT NULL "
                                 "      OR kind = 'action' "
                                 "ORDER BY case_id",
                         error);
  if (stmt == NULL)
    return NULL;
  lia_db_bind_text (stmt, 1, case_id);
  records = g_ptr_array_new_with_free_func ((GDestroyNotify) lia_record_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      LiaRecord *record = g_new0 (LiaRecord, 1);
      static const char *const names[] = { "due", "status", "owner" };

      record->id = lia_db_column_dup (stmt, 0);
      record->case_id = lia_db_column_dup (stmt, 1);
      if (!lia_record_kind_from_string ((const char *) sqlite3_column_text (stmt, 2), &record->kind))
        record->kind = LIA_RECORD_NOTE;
      record->title = lia_db_column_dup (stmt, 3);
      lia_db_column_date (stmt, 4, &record->destroy_on);
      lia_db_column_date (stmt, 5, &record->return_on);
      record->fields = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
      for (guint i = 0; i < G_N_ELEMENTS (names); i++)
        if (sqlite3_column_type (stmt, 6 + i) != SQLITE_NULL)
          g_hash_table_insert (record->fields, (char *) names[i], lia_db_column_dup (stmt, 6 + i));
      record->withdrawn = sqlite3_column_type (stmt, 9) != SQLITE_NULL;
      record->destroyed = sqlite3_column_type (stmt, 10) != SQLITE_NULL;
      record->destroyed_at = sqlite3_column_int64 (stmt, 10);
      g_ptr_array_add (records, record);
    }
  if (rc != SQLITE_DONE)
    {
      lia_store_set_sqlite_error (error, db, rc, "Could not read the records");
      return NULL;
    }
  return g_steal_pointer (&records);
}

/* ---- the milestone table ---------------------------------------------------- */

/* Part of the basis the table was computed on, with the calendar's digest:
 * raise it whenever a rule, a note, a kind or the order of milestones
 * changes, and every store works its whole table out again the next time
 * its deadlines are read or one of its cases changes. */
#define ENGINE_VERSION 1

/* The names the table's state column uses: a settled state's, or a
 * clock's (what is left to the day the milestone is read). */
static const char *const clock_names[] = {
  [CLOCK_NONE] = NULL, [CLOCK_OPEN] = "open", [CLOCK_UNTIL] = "until", [CLOCK_IF_LATE] = "if-late",
};

/* Those of the open states: rows that may be due or overdue on some day,
 * which the partial index milestone_open_by_due holds. */
#define OPEN_CLOCKS "state IN ('open', 'until', 'if-late')"
/* Of those, the ones open on ?today (a Julian day). */
#define OPEN_ON_TODAY \
  "(state = 'open' OR (state = 'until' AND due >= ?1) " \
  " OR (state = 'if-late' AND due < ?1 AND met_on IS NULL))"

static char *
basis_for (LiaCalendar *calendar)
{
  return g_strdup_printf ("engine %d, calendar %s", ENGINE_VERSION,
                          lia_calendar_get_digest (calendar));
}

/* Whether any case waits to be recomputed, and what the table was
 * computed with (NULL before it ever was). */
static gboolean
read_table_state (sqlite3   *db,
                  gboolean  *out_stale,
                  char     **out_basis,
                  GError   **error)
{
  g_autoptr (sqlite3_stmt) stmt = lia_db_prepare (db, "SELECT EXISTS (SELECT 1 FROM milestone_stale), "
                                                      "(SELECT basis FROM milestone_basis)", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    return lia_store_set_sqlite_error (error, db, rc, "Could not read the deadlines");
  *out_stale = sqlite3_column_int (stmt, 0) != 0;
  *out_basis = lia_db_column_dup (stmt, 1);
  return TRUE;
}

static void
bind_julian (sqlite3_stmt *stmt, int index, const GDate *date)
{
  if (g_date_valid (date))
    sqlite3_bind_int64 (stmt, index, g_date_get_julian (date));
  else
    sqlite3_bind_null (stmt, index);
}

static void
column_julian (sqlite3_stmt *stmt, int column, GDate *out)
{
  gint64 julian = sqlite3_column_int64 (stmt, column);

  g_date_clear (out, 1);
  if (sqlite3_column_type (stmt, column) != SQLITE_NULL && julian > 0 && julian <= G_MAXUINT32
      && g_date_valid_julian ((guint32) julian))
    g_date_set_julian (out, (guint32) julian);
}

/* Writes the unresolved milestones of one case, numbered in order. */
static gboolean
insert_case (sqlite3      *db,
             sqlite3_stmt *insert,
             GPtrArray    *milestones,
             GError      **error)
{
  for (guint i = 0; i < milestones->len; i++)
    {
      const LiaMilestone *m = milestones->pdata[i];
      Kind which = kind_of (m);

      /* The strings outlive the step, so SQLite need not copy them. */
      sqlite3_reset (insert);
      sqlite3_bind_text (insert, 1, m->case_id, -1, SQLITE_STATIC);
      sqlite3_bind_int (insert, 2, (int) i);
      sqlite3_bind_text (insert, 3, kinds[which].key, -1, SQLITE_STATIC);
      lia_db_bind_text (insert, 4, m->record_id);
      if (which >= N_STATUTORY)
        sqlite3_bind_text (insert, 5, m->title, -1, SQLITE_STATIC);
      else
        sqlite3_bind_null (insert, 5);
      bind_julian (insert, 6, &m->window_start);
      bind_julian (insert, 7, &m->due);
      bind_julian (insert, 8, &m->met_on);
      sqlite3_bind_text (insert, 9, m->clock != CLOCK_NONE ? clock_names[m->clock]
                                                           : state_names[m->state],
                         -1, SQLITE_STATIC);
      lia_db_bind_text (insert, 10, m->note);
      if (!lia_db_step_done (db, insert, "Could not save the deadlines", error))
        return FALSE;
    }
  return TRUE;
}

/* Computes the milestones of one case (@case_id, a full id) or of every
 * case, with @calendar, and puts them in the table in place of those
 * there. */
static gboolean
rebuild (sqlite3     *db,
         LiaCalendar *calendar,
         const char  *case_id,
         GError     **error)
{
  g_autoptr (GStringChunk) strings = g_string_chunk_new (64 * 1024);
  g_autoptr (GPtrArray) cases = NULL;
  g_autoptr (GPtrArray) records = NULL;
  g_autoptr (GPtrArray) case_records = g_ptr_array_new ();
  g_autoptr (GPtrArray) milestones = g_ptr_array_new_with_free_func ((GDestroyNotify) lia_milestone_free);
  g_autoptr (sqlite3_stmt) stmt = NULL;
  guint next = 0;

  stmt = lia_db_prepare (db, case_id != NULL ? "DELETE FROM milestone WHERE case_id = ?1"
                                             : "DELETE FROM milestone", error);
  if (stmt == NULL)
    return FALSE;
  lia_db_bind_text (stmt, 1, case_id);
  if (!lia_db_step_done (db, stmt, "Could not save the deadlines", error))
    return FALSE;
  g_clear_pointer (&stmt, lia_db_release);

  cases = load_case_facts (db, case_id, strings, error);
  if (cases == NULL)
    return FALSE;
  records = load_dated_records (db, case_id, error);
  if (records == NULL)
    return FALSE;
  stmt = lia_db_prepare (db, "INSERT INTO milestone (case_id, position, kind, record_id, title, "
                             "window_start, due, met_on, state, note) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  for (guint i = 0; i < cases->len; i++)
    {
      CaseFacts *c = cases->pdata[i];

      /* Both lists are in case id order: this case's records are next. */
      g_ptr_array_set_size (case_records, 0);
      while (next < records->len
             && strcmp (((LiaRecord *) records->pdata[next])->case_id, c->id) < 0)
        next++;
      while (next < records->len
             && strcmp (((LiaRecord *) records->pdata[next])->case_id, c->id) == 0)
        g_ptr_array_add (case_records, records->pdata[next++]);
      if (!g_date_valid (&c->aware))
        continue;
      g_ptr_array_set_size (milestones, 0);
      compute (calendar, c->id, &c->aware, c->facts, c->delays, case_records, milestones);
      if (!insert_case (db, stmt, milestones, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
lia_deadlines_update (sqlite3  *db,
                      gboolean  check_basis,
                      GError  **error)
{
  g_autoptr (LiaCalendar) calendar = NULL;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GPtrArray) stale = NULL;
  g_autofree char *basis = NULL;
  g_autofree char *stored = NULL;
  gboolean some_stale;
  int rc;

  if (!read_table_state (db, &some_stale, &stored, error))
    return FALSE;
  if (!some_stale && !check_basis)
    return TRUE;
  calendar = lia_calendar_ref_current ();
  basis = basis_for (calendar);

  if (g_strcmp0 (basis, stored) != 0)
    {
      /* Another calendar, or other rules: every case again. */
      if (!rebuild (db, calendar, NULL, error))
        return FALSE;
      stmt = lia_db_prepare (db, "INSERT INTO milestone_basis (id, basis) VALUES (1, ?) "
                                 "ON CONFLICT (id) DO UPDATE SET basis = excluded.basis", error);
      if (stmt == NULL)
        return FALSE;
      lia_db_bind_text (stmt, 1, basis);
      if (!lia_db_step_done (db, stmt, "Could not save the deadlines", error))
        return FALSE;
    }
  else if (some_stale)
    {
      stmt = lia_db_prepare (db, "SELECT DISTINCT case_id FROM milestone_stale", error);
      if (stmt == NULL)
        return FALSE;
      stale = g_ptr_array_new_with_free_func (g_free);
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        g_ptr_array_add (stale, lia_db_column_dup (stmt, 0));
      if (rc != SQLITE_DONE)
        return lia_store_set_sqlite_error (error, db, rc, "Could not read the deadlines");
      for (guint i = 0; i < stale->len; i++)
        if (!rebuild (db, calendar, stale->pdata[i], error))
          return FALSE;
    }
  g_clear_pointer (&stmt, lia_db_release);
  if (some_stale)
    {
      stmt = lia_db_prepare (db, "DELETE FROM milestone_stale", error);
      if (stmt == NULL || !lia_db_step_done (db, stmt, "Could not save the deadlines", error))
        return FALSE;
    }
  return TRUE;
}

/* Brings the table up to date before it is read: after a change made
 * outside lia_db_commit(), or a refreshed calendar. In its own
 * transaction, unless the caller has one open. */
static gboolean
ensure_current (sqlite3 *db, GError **error)
{
  g_autoptr (LiaCalendar) calendar = lia_calendar_ref_current ();
  g_autofree char *basis = basis_for (calendar);
  g_autofree char *stored = NULL;
  gboolean some_stale;

  if (!read_table_state (db, &some_stale, &stored, error))
    return FALSE;
  if (!some_stale && g_strcmp0 (basis, stored) == 0)
    return TRUE;
  if (!lia_db_begin (db, error))
    return FALSE;
  if (lia_deadlines_update (db, TRUE, error) && lia_db_commit (db, error))
    return TRUE;
  lia_db_rollback (db);
  return FALSE;
}

/* For a table aliased "m". */
#define MILESTONE_COLUMNS \
  "m.case_id, m.kind, m.record_id, m.title, m.window_start, m.due, m.met_on, m.state, m.note"

/* A row of MILESTONE_COLUMNS as a milestone lent for as long as the row
 * and @scratch last: its strings point into the statement's columns, into
 * @key (for a record's milestone) or @scratch, or to this file's
 * constants. Resolved for @today. FALSE for a row this version did not
 * write, which lia_deadlines_update() will have rewritten by the next
 * read. */
static gboolean
milestone_view (sqlite3_stmt *stmt,
                const GDate  *today,
                LiaMilestone *m,
                Kind         *out_kind,
                char         *key,
                gsize         key_size,
                GString      *scratch)
{
  const char *case_id = (const char *) sqlite3_column_text (stmt, 0);
  const char *kind = (const char *) sqlite3_column_text (stmt, 1);
  const char *state = (const char *) sqlite3_column_text (stmt, 7);
  const char *note;
  int which = kind != NULL ? kind_from_string (kind) : -1;

  if (which < 0 || case_id == NULL || state == NULL)
    return FALSE;
  *out_kind = (Kind) which;
  m->case_id = (char *) case_id;
  m->rule = kinds[which].rule;
  m->source = kinds[which].source;
  m->record_id = (char *) sqlite3_column_text (stmt, 2);
  if (which < N_STATUTORY)
    {
      m->key = (char *) kinds[which].key;
      m->title = (char *) kinds[which].title;
    }
  else
    {
      const char *title = (const char *) sqlite3_column_text (stmt, 3);

      g_snprintf (key, key_size, "%s:%s", kinds[which].key, m->record_id ? m->record_id : "");
      m->key = key;
      m->title = (char *) (title != NULL ? title : "");
    }
  column_julian (stmt, 4, &m->window_start);
  column_julian (stmt, 5, &m->due);
  column_julian (stmt, 6, &m->met_on);
  m->note = (char *) sqlite3_column_text (stmt, 8);
  m->clock = CLOCK_NONE;
  m->state = LIA_MILESTONE_AWAITING;
  for (guint i = CLOCK_OPEN; i < G_N_ELEMENTS (clock_names); i++)
    if (g_str_equal (state, clock_names[i]))
      m->clock = i;
  if (m->clock == CLOCK_NONE)
    for (guint i = 0; i < G_N_ELEMENTS (state_names); i++)
      if (g_str_equal (state, state_names[i]))
        m->state = (LiaMilestoneState) i;

  note = resolve_state (m, today);
  if (note != NULL && m->note == NULL)
    m->note = (char *) note;
  else if (note != NULL)
    {
      g_string_printf (scratch, "%s %s", m->note, note);
      m->note = scratch->str;
    }
  return TRUE;
}

/* Room for "return:" and a record id, with some to spare. */
#define KEY_SIZE 96

/* A milestone of its own from a lent one (of @which kind). @case_refs
 * keeps one GRefString per case id, shared by that case's milestones. */
static LiaMilestone *
milestone_copy (const LiaMilestone *view,
                Kind                which,
                GHashTable         *case_refs)
{
  LiaMilestone *m = g_new (LiaMilestone, 1);
  char *case_ref = g_hash_table_lookup (case_refs, view->case_id);

  if (case_ref == NULL)
    {
      case_ref = g_ref_string_new (view->case_id);
      g_hash_table_insert (case_refs, case_ref, case_ref);
    }
  *m = *view;
  m->case_id = g_ref_string_acquire (case_ref);
  if (which < N_STATUTORY)
    {
      m->key = statutory_ref (which, FALSE);
      m->title = statutory_ref (which, TRUE);
    }
  else
    {
      m->key = g_ref_string_new (view->key);
      m->title = g_ref_string_new (view->title);
    }
  m->note = g_strdup (view->note);
  m->record_id = g_strdup (view->record_id);
  return m;
}

static int
compare_due (gconstpointer a,
             gconstpointer b)
{
  const LiaMilestone *x = *(LiaMilestone *const *) a;
  const LiaMilestone *y = *(LiaMilestone *const *) b;
  gboolean xv = g_date_valid (&x->due);
  gboolean yv = g_date_valid (&y->due);

  if (xv != yv)
    return xv ? -1 : 1;
  if (!xv)
    return 0;
  return g_date_compare (&x->due, &y->due);
}

/* A stable sort by due date, those without one last: a counting sort over
 * the days between the first and last due dates (a few thousand), or the
 * general sort if they are far apart. */
static void
sort_by_due (GPtrArray *milestones)
{
  guint32 first = G_MAXUINT32, last = 0, range;
  g_autofree guint32 *start = NULL;
  g_autofree gpointer *sorted = NULL;

  for (guint i = 0; i < milestones->len; i++)
    {
      const LiaMilestone *m = milestones->pdata[i];

      if (g_date_valid (&m->due))
        {
          guint32 julian = g_date_get_julian (&m->due);

          first = MIN (first, julian);
          last = MAX (last, julian);
        }
    }
  if (first > last)
    return;
  range = last - first + 1;
  if (range > 100000)
    {
      g_ptr_array_sort (milestones, compare_due);
      return;
    }
  /* start[d] is where day d's milestones begin; day range is "no date". */
  start = g_new0 (guint32, range + 2);
  for (guint i = 0; i < milestones->len; i++)
    {
      const LiaMilestone *m = milestones->pdata[i];
      guint32 day = g_date_valid (&m->due) ? g_date_get_julian (&m->due) - first : range;

      start[day + 1]++;
    }
  for (guint32 d = 1; d < range + 2; d++)
    start[d] += start[d - 1];
  sorted = g_new (gpointer, milestones->len);
  for (guint i = 0; i < milestones->len; i++)
    {
      const LiaMilestone *m = milestones->pdata[i];
      guint32 day = g_date_valid (&m->due) ? g_date_get_julian (&m->due) - first : range;

      sorted[start[day]++] = milestones->pdata[i];
    }
  memcpy (milestones->pdata, sorted, milestones->len * sizeof (gpointer));
}

/* Whether @m is one that the caller asked for. */
static gboolean
wanted (const LiaMilestone *m,
        gboolean            open_only,
        const GDate        *due_by)
{
  if (open_only && !lia_milestone_state_is_open (m->state))
    return FALSE;
  return due_by == NULL || (g_date_valid (&m->due) && g_date_compare (&m->due, due_by) <= 0);
}

/* The statement that reads what lia_deadlines_for_store() is asked for:
 * what is open in every case from the index in due date order (then case
 * and position, the order the stable sort below keeps), the rest in case
 * order, to be sorted. */
static sqlite3_stmt *
prepare_read (sqlite3     *db,
              const char  *full_id,
              const GDate *today,
              gboolean     open_only,
              const GDate *due_by,
              gboolean    *out_in_due_order,
              GError     **error)
{
  sqlite3_stmt *stmt;

  *out_in_due_order = open_only && full_id == NULL;
  if (*out_in_due_order)
    stmt = lia_db_prepare (db, "SELECT " MILESTONE_COLUMNS " FROM milestone m "
                               "INDEXED BY milestone_open_by_due "
                               "WHERE " OPEN_CLOCKS " AND due <= ?2 AND " OPEN_ON_TODAY " "
                               "ORDER BY due, case_id, position", error);
  else if (full_id != NULL)
    stmt = lia_db_prepare (db, "SELECT " MILESTONE_COLUMNS " FROM milestone m WHERE case_id = ?3 "
                               "ORDER BY position", error);
  else
    stmt = lia_db_prepare (db, "SELECT " MILESTONE_COLUMNS " FROM milestone m "
                               "ORDER BY case_id, position", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, g_date_get_julian (today));
  sqlite3_bind_int64 (stmt, 2, due_by != NULL ? g_date_get_julian (due_by) : G_MAXUINT32);
  lia_db_bind_text (stmt, 3, full_id);
  return stmt;
}

/* Reads what is asked for. With @func, hands each milestone to it as it is
 * read, lent, when the rows come in the order wanted, and returns an empty
 * array; otherwise, and always without @func, returns them. */
static GPtrArray *
read_milestones (LiaStore         *store,
                 const char       *case_id,
                 const GDate      *today,
                 gboolean          open_only,
                 const GDate      *due_by,
                 LiaMilestoneFunc  func,
                 gpointer          user_data,
                 GError          **error)
{
  sqlite3 *db = lia_db_get (store, error);
  g_autoptr (GHashTable) case_refs = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                            (GDestroyNotify) g_ref_string_release);
  g_autoptr (GString) scratch = g_string_new (NULL);
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GPtrArray) out = NULL;
  g_autofree char *full_id = NULL;
  gboolean in_due_order;
  int rc;

  g_return_val_if_fail (today != NULL && g_date_valid (today), NULL);
  g_return_val_if_fail (due_by == NULL || g_date_valid (due_by), NULL);

  if (db == NULL)
    return NULL;
  if (case_id != NULL && (full_id = lia_db_resolve_id (db, "lcase", case_id, "case", error)) == NULL)
    return NULL;
  if (!ensure_current (db, error))
    return NULL;
  stmt = prepare_read (db, full_id, today, open_only, due_by, &in_due_order, error);
  if (stmt == NULL)
    return NULL;

  out = g_ptr_array_new_with_free_func ((GDestroyNotify) lia_milestone_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      LiaMilestone view = { 0, };
      char key[KEY_SIZE];
      Kind which;

      if (!milestone_view (stmt, today, &view, &which, key, sizeof key, scratch)
          || !wanted (&view, open_only, due_by))
        continue;
      if (func != NULL && in_due_order)
        func (&view, user_data);
      else
        g_ptr_array_add (out, milestone_copy (&view, which, case_refs));
    }
  if (rc != SQLITE_DONE)
    {
      lia_store_set_sqlite_error (error, db, rc, "Could not read the deadlines");
      return NULL;
    }
  /* Stable: equal dates keep case order and the table's order. */
  if (!in_due_order)
    sort_by_due (out);
  return g_steal_pointer (&out);
}

GPtrArray *
lia_deadlines_for_store (LiaStore    *store,
                         const char  *case_id,
                         const GDate *today,
                         gboolean     open_only,
                         const GDate *due_by,
                         GError     **error)
{
  return read_milestones (store, case_id, today, open_only, due_by, NULL, NULL, error);
}

gboolean
lia_deadlines_foreach (LiaStore         *store,
                       const char       *case_id,
                       const GDate      *today,
                       gboolean          open_only,
                       const GDate      *due_by,
                       LiaMilestoneFunc  func,
                       gpointer          user_data,
                       GError          **error)
{
  g_autoptr (GPtrArray) rest = NULL;

  g_return_val_if_fail (func != NULL, FALSE);

  rest = read_milestones (store, case_id, today, open_only, due_by, func, user_data, error);
  if (rest == NULL)
    return FALSE;
  for (guint i = 0; i < rest->len; i++)
    func (rest->pdata[i], user_data);
  return TRUE;
}

GHashTable *
lia_deadlines_next_by_case (LiaStore    *store,
                            const GDate *today,
                            GError     **error)
{
  sqlite3 *db = lia_db_get (store, error);
  g_autoptr (GHashTable) case_refs = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                            (GDestroyNotify) g_ref_string_release);
  g_autoptr (GString) scratch = g_string_new (NULL);
  g_autoptr (GHashTable) next = NULL;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  gboolean in_due_order;
  int rc;

  g_return_val_if_fail (today != NULL && g_date_valid (today), NULL);

  if (db == NULL || !ensure_current (db, error))
    return NULL;
  /* What is open, in due date order (then position): the first row of
   * each case is its next deadline. One pass over the index that
   * `deadlines` reads, rather than a search per case. */
  stmt = prepare_read (db, NULL, today, TRUE, NULL, &in_due_order, error);
  if (stmt == NULL)
    return NULL;
  next = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) lia_milestone_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *case_id = (const char *) sqlite3_column_text (stmt, 0);
      LiaMilestone view = { 0, };
      LiaMilestone *m;
      char key[KEY_SIZE];
      Kind which;

      if (case_id == NULL || g_hash_table_contains (next, case_id)
          || !milestone_view (stmt, today, &view, &which, key, sizeof key, scratch)
          || !lia_milestone_state_is_open (view.state))
        continue;
      m = milestone_copy (&view, which, case_refs);
      g_hash_table_insert (next, m->case_id, m);
    }
  if (rc != SQLITE_DONE)
    {
      lia_store_set_sqlite_error (error, db, rc, "Could not read the deadlines");
      return NULL;
    }
  return g_steal_pointer (&next);
}
