/* lia-deadlines.c: the statutory timeline of a case.
 *
 * The rules are DESIGN.md's table, from Working Together 2023, the Bucks
 * LCSPR procedure and the IOPC advisory framework. Each milestone is
 * computed from the case's process fields alone, so that the same case
 * gives the same timeline in every organisation's store.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "lia-db.h"
#include "lia-deadlines.h"
#include "lia-model-private.h"

static const char *const state_names[] = {
  "awaiting", "due", "overdue", "met", "met-late", "not-applicable",
};

static const char *const state_labels[] = {
  "Waiting", "Due", "Overdue", "Met", "Met late", "Not applicable",
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
  const GDate       *today;
  GPtrArray         *out;
  char              *case_ref;     /* GRefString of the case id, shared by its milestones */
  const GDate       *aware;
  const char *const *facts;        /* N_FACTS values, NULL where not set */
  GPtrArray         *delays;       /* LiaDelayNotice, or NULL */
} Timeline;

/* @key and @title as reference-counted strings: the statutory milestones'
 * are made once for the life of the process (STATIC_REF), a record's for
 * that milestone. */
static LiaMilestone *
add_ref (Timeline   *t,
         char       *key_ref,
         char       *title_ref,
         const char *rule,
         const char *source)
{
  LiaMilestone *m = g_new0 (LiaMilestone, 1);

  m->case_id = g_ref_string_acquire (t->case_ref);
  m->key = key_ref;
  m->title = title_ref;
  m->rule = rule;
  m->source = source;
  g_date_clear (&m->window_start, 1);
  g_date_clear (&m->due, 1);
  g_date_clear (&m->met_on, 1);
  m->state = LIA_MILESTONE_AWAITING;
  g_ptr_array_add (t->out, m);
  return m;
}

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
  N_STATUTORY
} Statutory;

static const struct
{
  const char *key;
  const char *title;
} statutory[N_STATUTORY] = {
  [M_NOTIFY_PANEL] = { "notify-panel", "Notify the Panel of the serious incident" },
  [M_INFORMATION_REQUEST] = { "information-request", "Send the information request to agencies" },
  [M_RAPID_REVIEW_MEETING] = { "rapid-review-meeting", "Hold the rapid review meeting" },
  [M_RAPID_REVIEW_SUBMITTED] = { "rapid-review-submitted", "Submit the rapid review to the Panel" },
  [M_RECOMMENDATION] = { "recommendation", "Send the recommendation to the partnership chair" },
  [M_LCSPR_PUBLICATION] = { "lcspr-publication", "Publish the LCSPR report" },
  [M_REPORT_TO_PANEL] = { "report-to-panel", "Send the full report to the Panel and the Secretary of State (and Ofsted)" },
  [M_PUBLICATION_DELAY] = { "publication-delay", "Tell the Panel and the Secretary of State of the delay in publication" },
  [M_IOPC_REPRESENTATIONS] = { "iopc-representations", "Ask the IOPC for representations on publication" },
  [M_KEEP_PUBLISHED] = { "keep-published", "Keep the published report publicly available" },
};

/* The statutory milestones' keys and titles as reference-counted strings,
 * made once for the life of the process and shared by every milestone. */
static char *
statutory_ref (Statutory which,
               gboolean  title)
{
  static gsize made = 0;
  static char *refs[N_STATUTORY][2];

  if (g_once_init_enter (&made))
    {
      for (guint i = 0; i < N_STATUTORY; i++)
        {
          refs[i][0] = g_ref_string_new_intern (statutory[i].key);
          refs[i][1] = g_ref_string_new_intern (statutory[i].title);
        }
      g_once_init_leave (&made, 1);
    }
  return g_ref_string_acquire (refs[which][title ? 1 : 0]);
}

static LiaMilestone *
add (Timeline   *t,
     Statutory   which,
     const char *rule,
     const char *source)
{
  return add_ref (t, statutory_ref (which, FALSE), statutory_ref (which, TRUE), rule, source);
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

/* The state of a milestone with a due date (and perhaps a window) and
 * perhaps the date it was met. */
static void
settle (Timeline     *t,
        LiaMilestone *m,
        const GDate  *done)
{
  if (done != NULL && g_date_valid (done))
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
      return;
    }
  if (!g_date_valid (&m->due))
    m->state = LIA_MILESTONE_AWAITING;
  else
    m->state = g_date_compare (t->today, &m->due) > 0 ? LIA_MILESTONE_OVERDUE : LIA_MILESTONE_DUE;
}

static void
not_applicable (LiaMilestone *m,
                const char   *why)
{
  m->state = LIA_MILESTONE_NOT_APPLICABLE;
  g_date_clear (&m->due, 1);
  g_date_clear (&m->window_start, 1);
  append_note (m, why);
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

  m = add (t, M_NOTIFY_PANEL,
           "Within 5 working days of the local authority becoming aware of the incident",
           WT2023 " (section 16C Children Act 2004)");
  working_days (t, m, t->aware, 5, &m->due);
  settle (t, m, have_notified ? &notified : NULL);

  m = add (t, M_INFORMATION_REQUEST,
           "Within 2 working days of the notification", "Bucks procedure 4.3");
  if (have_notified)
    working_days (t, m, &notified, 2, &m->due);
  else
    append_note (m, "Starts when the Panel is notified.");
  settle (t, m, field_date (t, FACT_REQUEST_SENT, &done) ? &done : NULL);

  m = add (t, M_RAPID_REVIEW_MEETING,
           "Between 7 and 13 working days after the notification", "Bucks procedure 4.4");
  if (have_notified)
    {
      working_days (t, m, &notified, 7, &m->window_start);
      working_days (t, m, &notified, 13, &m->due);
    }
  else
    append_note (m, "Starts when the Panel is notified.");
  settle (t, m, field_date (t, FACT_MEETING, &done) ? &done : NULL);

  m = add (t, M_RAPID_REVIEW_SUBMITTED,
           "Within 15 working days of becoming aware of the incident",
           "Child Safeguarding Practice Review Panel guidance (" WT2023 ")");
  working_days (t, m, t->aware, 15, &m->due);
  settle (t, m, field_date (t, FACT_SUBMITTED, &done) ? &done : NULL);

  m = add (t, M_RECOMMENDATION,
           "Within one month of the notification", "Bucks procedure 4.7");
  if (have_notified)
    months (&notified, 1, &m->due);
  else
    append_note (m, "Starts when the Panel is notified.");
  settle (t, m, field_date (t, FACT_RECOMMENDATION_SENT, &done) ? &done : NULL);
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

  m = add (t, M_LCSPR_PUBLICATION,
           "No later than 6 months from the decision to hold the review", WT2023);
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
        settle (t, m, is_published ? &published : NULL);
    }

  m = add (t, M_REPORT_TO_PANEL,
           "No later than 7 working days before publication", WT2023);
  if (state != LCSPR_DECIDED)
    lcspr_undecided (m, state);
  else
    {
      working_days (t, m, &pub, -7, &m->due);
      settle (t, m, field_date (t, FACT_REPORT_SENT, &done) ? &done : NULL);
    }

  m = add (t, M_PUBLICATION_DELAY,
           "When publication will be later than 6 months from the decision, tell the Panel and "
           "the Secretary of State, with the reasons", WT2023);
  if (state != LCSPR_DECIDED)
    not_applicable (m, "No LCSPR has been decided.");
  else if (not_published != NULL && !is_published)
    not_applicable (m, "Decided not to publish.");
  else if ((is_published && g_date_compare (&published, &limit) > 0)
           || (!is_published && g_date_compare (t->today, &limit) > 0)
           || (!is_published && has_planned && g_date_compare (&planned, &limit) > 0))
    {
      g_date_clear (&first_notice, 1);
      for (guint i = 0; t->delays != NULL && i < t->delays->len; i++)
        {
          const LiaDelayNotice *notice = t->delays->pdata[i];

          if (g_date_valid (&notice->sent)
              && (!g_date_valid (&first_notice) || g_date_compare (&notice->sent, &first_notice) < 0))
            first_notice = notice->sent;
        }
      m->due = limit;
      settle (t, m, g_date_valid (&first_notice) ? &first_notice : NULL);
    }
  else
    not_applicable (m, "Publication is not late.");

  m = add (t, M_IOPC_REPRESENTATIONS,
           "Before an LCSPR is published while an IOPC investigation is open, ask the IOPC "
           "whether it has representations on publication",
           FRAMEWORK " (Reports and publication)");
  iopc_open = fact (t, FACT_IOPC_REFERRAL) != NULL
              && !field_is (t, FACT_IOPC_STATUS, "concluded")
              && fact (t, FACT_IOPC_FINAL) == NULL;
  if (state == LCSPR_DECIDED
      && (iopc_open || fact (t, FACT_REPS_REQUESTED) != NULL))
    {
      working_days (t, m, &pub, -1, &m->due);
      settle (t, m, field_date (t, FACT_REPS_REQUESTED, &done) ? &done : NULL);
    }
  else if (state != LCSPR_DECIDED)
    not_applicable (m, "No LCSPR has been decided.");
  else
    not_applicable (m, "No IOPC investigation is open.");

  m = add (t, M_KEEP_PUBLISHED,
           "At least one year after publication (three years for a national review)", WT2023);
  if (is_published)
    {
      months (&published, g_strcmp0 (outcome, "national-review") == 0 ? 36 : 12, &m->due);
      if (g_date_compare (t->today, &m->due) > 0)
        {
          m->state = LIA_MILESTONE_MET;
          m->met_on = m->due;
        }
      else
        m->state = LIA_MILESTONE_DUE;
    }
  else if (state == LCSPR_DECIDED || state == LCSPR_EXPECTED || state == LCSPR_UNDECIDED)
    append_note (m, "Starts when the report is published.");
  else
    not_applicable (m, "The rapid review did not lead to a local review.");
}

static void
record_milestones (Timeline  *t,
                   GPtrArray *records)
{
  for (guint i = 0; records != NULL && i < records->len; i++)
    {
      const LiaRecord *record = records->pdata[i];
      LiaMilestone *m;
      g_autofree char *key = NULL;
      g_autofree char *title = NULL;

      if (g_strcmp0 (record->case_id, t->case_ref) != 0)
        continue;
      if (record->kind == LIA_RECORD_ACTION)
        {
          const char *due = lia_record_get_field (record, "due");
          const char *status = lia_record_get_field (record, "status");
          const char *owner = lia_record_get_field (record, "owner");

          key = g_strconcat ("action:", record->id, NULL);
          title = g_strdup_printf ("Action: %s", record->title);
          m = add_ref (t, g_ref_string_new (key), g_ref_string_new (title),
                       "The due date agreed in the action plan", "Case action plan");
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
                settle (t, m, NULL);
            }
        }
      if (g_date_valid (&record->destroy_on) || g_date_valid (&record->return_on))
        {
          gboolean destroy = g_date_valid (&record->destroy_on);

          g_free (key);
          g_free (title);
          key = g_strconcat (destroy ? "destroy:" : "return:", record->id, NULL);
          title = g_strdup_printf ("%s: %s", destroy ? "Destroy" : "Return", record->title);
          m = add_ref (t, g_ref_string_new (key), g_ref_string_new (title),
                       destroy ? "Destroy the disclosed material on the agreed date"
                               : "Return the disclosed material on the agreed date",
                       FRAMEWORK " (Disclosure and sharing of material)");
          m->record_id = g_strdup (record->id);
          m->due = destroy ? record->destroy_on : record->return_on;
          settle (t, m, NULL);
        }
    }
}

/* Appends the milestones of one case to @out. */
static void
compute (LiaCalendar       *calendar,
         const char        *case_id,
         const GDate       *aware,
         const char *const *facts,
         GPtrArray         *delays,
         GPtrArray         *records,
         const GDate       *today,
         GPtrArray         *out)
{
  Timeline t = { calendar, today, out, g_ref_string_new (case_id), aware, facts, delays };

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
  compute (calendar, lcase->id, &lcase->aware, facts, lcase->delays, records, today, out);
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

/* ---- over the store ------------------------------------------------------- */

/* What the rules need of one case, read straight from the tables (no
 * LiaCase, no hash table of fields): lia_deadlines_for_store() runs over
 * every case at once. */
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

/* Every case (or one), in id order, with its facts and delay notices. */
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

  stmt = lia_db_prepare (db, "SELECT id, aware FROM lcase WHERE ?1 IS NULL OR id = ?1 ORDER BY id",
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
  g_clear_pointer (&stmt, sqlite3_finalize);

  /* The fields, in the same order (the primary key's): a merge, not a
   * lookup per row. The names are this file's own constants. */
  for (guint i = 0; i < N_FACTS; i++)
    g_string_append_printf (names, "%s'%s'", i ? ", " : "", fact_names[i]);
  sql = g_strdup_printf ("SELECT case_id, name, value FROM case_field "
                         "WHERE (?1 IS NULL OR case_id = ?1) AND name IN (%s) "
                         "ORDER BY case_id", names->str);
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
  g_clear_pointer (&stmt, sqlite3_finalize);

  stmt = lia_db_prepare (db, "SELECT case_id, id, sent, reason, revised FROM delay_notice "
                             "WHERE ?1 IS NULL OR case_id = ?1 ORDER BY case_id, sent, id", error);
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

  stmt = lia_db_prepare (db, "SELECT id, case_id, kind, title, destroy_on, return_on, "
                             "  date, status, owner "
                             "FROM record INDEXED BY record_dates "
                             "WHERE (destroy_on IS NOT NULL OR return_on IS NOT NULL "
                             "       OR kind = 'action') AND (?1 IS NULL OR case_id = ?1) "
                             "ORDER BY case_id", error);
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
      g_ptr_array_add (records, record);
    }
  if (rc != SQLITE_DONE)
    {
      lia_store_set_sqlite_error (error, db, rc, "Could not read the records");
      return NULL;
    }
  return g_steal_pointer (&records);
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

GPtrArray *
lia_deadlines_for_store (LiaStore    *store,
                         LiaCalendar *calendar,
                         const char  *case_id,
                         const GDate *today,
                         GError     **error)
{
  sqlite3 *db = lia_db_get (store, error);
  g_autoptr (GStringChunk) strings = g_string_chunk_new (64 * 1024);
  g_autoptr (GPtrArray) cases = NULL;
  g_autoptr (GPtrArray) records = NULL;
  g_autoptr (GPtrArray) case_records = g_ptr_array_new ();
  g_autoptr (GPtrArray) all = NULL;
  g_autofree char *full_id = NULL;
  guint next = 0;

  if (db == NULL)
    return NULL;
  if (case_id != NULL && (full_id = lia_db_resolve_id (db, "lcase", case_id, "case", error)) == NULL)
    return NULL;
  cases = load_case_facts (db, full_id, strings, error);
  if (cases == NULL)
    return NULL;
  records = load_dated_records (db, full_id, error);
  if (records == NULL)
    return NULL;

  all = g_ptr_array_new_full (cases->len * 12, (GDestroyNotify) lia_milestone_free);
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
      if (g_date_valid (&c->aware))
        compute (calendar, c->id, &c->aware, c->facts, c->delays, case_records, today, all);
    }
  /* Stable: equal dates keep case order and the table's order. */
  sort_by_due (all);
  return g_steal_pointer (&all);
}
