/* lia-deadlines.h: the statutory timeline of a case.
 *
 * For each case, every milestone of DESIGN.md's table ("Calendar and
 * statutory timescales"), plus the case's action-plan items and the return
 * or destruction dates of its records: when it is due (or the window it
 * falls in), its state, and the rule and document it comes from.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "lia-calendar.h"
#include "lia-case.h"
#include "lia-record.h"

G_BEGIN_DECLS

typedef enum
{
  LIA_MILESTONE_AWAITING,        /* its starting event has not happened yet */
  LIA_MILESTONE_DUE,             /* open, due date not passed */
  LIA_MILESTONE_OVERDUE,         /* open, due date passed */
  LIA_MILESTONE_MET,             /* done, in time */
  LIA_MILESTONE_MET_LATE,        /* done, but after the due date (or outside the window) */
  LIA_MILESTONE_NOT_APPLICABLE,  /* does not apply to this case, with a note saying why */
} LiaMilestoneState;

const char *lia_milestone_state_to_string (LiaMilestoneState state);
const char *lia_milestone_state_label (LiaMilestoneState state);
/* Open: due or overdue. */
gboolean    lia_milestone_state_is_open (LiaMilestoneState state);

/* case_id, key and title are GRefStrings (read them as plain strings; they
 * are shared between milestones, and lia_milestone_free() releases them),
 * except in a milestone lia_deadlines_foreach() lends, whose strings all
 * belong to it and last for the call. */
typedef struct
{
  char              *case_id;
  char              *key;           /* stable: "notify-panel", "action:RECORD-ID", ... */
  char              *title;
  GDate              window_start;  /* valid only for a window ("between") */
  GDate              due;           /* invalid while awaiting or not applicable */
  LiaMilestoneState  state;
  GDate              met_on;        /* valid when met */
  const char        *rule;          /* "Within 5 working days of the local authority becoming aware" */
  const char        *source;        /* "Working Together 2023" */
  char              *note;          /* or NULL */
  char              *record_id;     /* for a record's milestone, or NULL */
  /*< private >*/
  guint              clock;         /* how the state follows the day (lia-deadlines.c) */
} LiaMilestone;

void       lia_milestone_free (LiaMilestone *milestone);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LiaMilestone, lia_milestone_free)

/* The milestones of @lcase (with its fields and delay notices loaded) as of
 * @today, in the table's order (a record's in record id order). @records
 * holds the case's action items and records with a return or destruction
 * date (others are ignored); it may be NULL. A record withdrawn by its
 * originator makes none; a destroyed one keeps its destruction or return,
 * met on the day. A due date past the years that @calendar covers counts
 * weekends only, and its note says so. This is the engine; the store keeps
 * its results (lia_deadlines_for_store()). */
GPtrArray *lia_deadlines_compute (LiaCalendar   *calendar,
                                  const LiaCase *lcase,
                                  GPtrArray     *records,
                                  const GDate   *today);

/* The milestones of one case (@case_id, an id or a unique prefix of one)
 * or of every case (NULL) as of @today, sorted by due date (those without
 * one last), then by case and the table's order. With @open_only, only
 * those due or overdue; with @due_by, only those due on or before it.
 *
 * They are read from the store's milestone table, which keeps what
 * lia_deadlines_compute() works out, counted with the calendar in use
 * (lia_calendar_ref_current()): it is brought up to date in the
 * transaction of every change to a case, its fields, delay notices or
 * dated records, and in full when the calendar or the rules have changed
 * since it was written. Only the state is worked out as they are read. */
GPtrArray *lia_deadlines_for_store (LiaStore    *store,
                                    const char  *case_id,
                                    const GDate *today,
                                    gboolean     open_only,
                                    const GDate *due_by,
                                    GError     **error);

/* Called with each milestone in turn by lia_deadlines_foreach(). The
 * milestone and its strings are lent for the call only. */
typedef void (*LiaMilestoneFunc) (const LiaMilestone *milestone,
                                  gpointer            user_data);

/* The milestones that lia_deadlines_for_store() returns, in the same
 * order, handed to @func one at a time instead. What is open in every
 * case goes to @func as it is read, nothing kept: for output written as it
 * goes (`liaison-cli deadlines --json` over thousands of cases). */
gboolean    lia_deadlines_foreach (LiaStore         *store,
                                   const char       *case_id,
                                   const GDate      *today,
                                   gboolean          open_only,
                                   const GDate      *due_by,
                                   LiaMilestoneFunc  func,
                                   gpointer          user_data,
                                   GError          **error);

/* Each case's next deadline as of @today, the open milestone due soonest
 * (as lia_deadlines_next()), from the same table: case id → LiaMilestone.
 * Cases with nothing open are not in it. */
GHashTable *lia_deadlines_next_by_case (LiaStore    *store,
                                        const GDate *today,
                                        GError     **error);

/* The open milestone due soonest, or NULL. Borrowed from @milestones. */
LiaMilestone *lia_deadlines_next (GPtrArray *milestones);

G_END_DECLS
