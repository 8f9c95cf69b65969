/* lia-request.h: disclosure requests, decisions and escalation.
 *
 * A request names who asks whom (the holder) for what and why. The holder
 * decides: share, share a redacted version, decline with reasons, redirect
 * to the organisation that generated the material, or notify that the
 * material is sensitive or secret and on what basis. A disagreement goes up
 * the advisory framework's levels ("Escalation"): locally between the IOPC
 * operations manager and the delegated safeguarding partner; then the lead
 * safeguarding partners and the IOPC Director of Investigations; then a
 * statutory request (section 16H Children Act 2004 for a safeguarding
 * partner; an information notice under paragraph 19ZA, Schedule 3, Police
 * Reform Act 2002 for the IOPC); then the court.
 *
 * Every step carries its reason and the person who took it. The rules for
 * which step may follow which are in lia_request_check_decision() and
 * lia_request_check_escalation(), and nothing else decides them.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "lia-case.h"

G_BEGIN_DECLS

typedef enum
{
  LIA_REQUEST_OPEN,             /* awaiting the holder's decision */
  LIA_REQUEST_NOTIFIED,         /* holder says sensitive or secret; talks go on */
  LIA_REQUEST_SHARED,
  LIA_REQUEST_SHARED_REDACTED,
  LIA_REQUEST_DECLINED,
  LIA_REQUEST_REDIRECTED,
  LIA_REQUEST_ESCALATED,        /* at the level in LiaRequest.level, awaiting a decision */
  LIA_REQUEST_WITHDRAWN,
} LiaRequestState;

const char *lia_request_state_to_string (LiaRequestState state);
const char *lia_request_state_label (LiaRequestState state);
/* Shared, redirected or withdrawn: nothing more can happen. */
gboolean    lia_request_state_is_final (LiaRequestState state);

typedef enum
{
  LIA_DECISION_SHARE,
  LIA_DECISION_SHARE_REDACTED,
  LIA_DECISION_DECLINE,
  LIA_DECISION_REDIRECT,
  LIA_DECISION_SENSITIVE,
  LIA_DECISION_SECRET,
  LIA_DECISION_GRANT,           /* the originator agrees to extend its record (request extend) */
} LiaDecision;

const char        *lia_decision_to_string (LiaDecision decision);
gboolean           lia_decision_from_string (const char  *text,
                                             LiaDecision *out);
const char *const *lia_decision_names (void);

typedef enum
{
  LIA_ESCALATION_NONE,
  LIA_ESCALATION_LOCAL,          /* IOPC operations manager and the DSP */
  LIA_ESCALATION_LEAD_PARTNERS,  /* lead safeguarding partners and the IOPC Director of Investigations */
  LIA_ESCALATION_STATUTORY,      /* s16H CA 2004 or para 19ZA Sch 3 PRA 2002 */
  LIA_ESCALATION_COURT,
} LiaEscalationLevel;

const char        *lia_escalation_to_string (LiaEscalationLevel level);
gboolean           lia_escalation_from_string (const char         *text,
                                               LiaEscalationLevel *out);
const char        *lia_escalation_label (LiaEscalationLevel level);
const char *const *lia_escalation_names (void);

typedef enum
{
  LIA_REQUEST_EVENT_MADE,
  LIA_REQUEST_EVENT_DECISION,
  LIA_REQUEST_EVENT_ESCALATION,
  LIA_REQUEST_EVENT_WITHDRAWAL,
} LiaRequestEventKind;

typedef struct
{
  LiaRequestEventKind kind;
  LiaDecision         decision;     /* for a decision */
  LiaEscalationLevel  level;        /* for an escalation */
  char               *reason;
  char               *basis;        /* sensitive/secret notice */
  char               *statute;      /* statutory escalation: the power used */
  LiaOrg             *redirect_to;  /* redirect */
  char               *by;           /* the person */
  LiaOrg             *by_org;
  GDate               on;
} LiaRequestEvent;

void lia_request_event_free (LiaRequestEvent *event);

typedef struct
{
  char              *id;
  char              *case_id;
  LiaOrg            *requester;
  LiaRole            requester_role;
  LiaOrg            *holder;
  char              *record_id;     /* the record asked for, or NULL */
  char              *subject;       /* what is asked for */
  char              *purpose;       /* why */
  GDate              made_on;
  GDate              reply_by;      /* invalid if none */
  LiaRequestState    state;
  LiaEscalationLevel level;
  GPtrArray         *events;        /* LiaRequestEvent, oldest first */
} LiaRequest;

void        lia_request_free (LiaRequest *request);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LiaRequest, lia_request_free)

/* Whether the holder may make @decision on a request in @state at @level;
 * FALSE with LIA_MODEL_ERROR_NOT_ALLOWED and a message that says why and
 * what can be done instead. */
gboolean lia_request_check_decision (LiaRequestState    state,
                                     LiaEscalationLevel level,
                                     LiaDecision        decision,
                                     GError           **error);
/* Whether a request in @state at @level may go to @to, asked by an
 * organisation whose role on the case is @requester_role. Levels are
 * taken one at a time, upwards. */
gboolean lia_request_check_escalation (LiaRequestState    state,
                                       LiaEscalationLevel level,
                                       LiaEscalationLevel to,
                                       LiaRole            requester_role,
                                       GError           **error);
/* The statutory power open to a requester with @role, or NULL if none. */
const char *lia_request_statute_for (LiaRole role);

typedef struct
{
  const char *case_id;
  const char *requester;   /* organisation (name prefix or fingerprint); NULL: this one */
  const char *holder;      /* organisation asked; required */
  const char *record_id;   /* optional: the record asked for */
  const char *subject;     /* required */
  const char *purpose;     /* required */
  const char *made_on;     /* optional, default today */
  const char *reply_by;    /* optional */
  const char *by;          /* the person making it; optional */
} LiaRequestDraft;

/* One of requester and holder must be this organisation (a request it
 * makes, or one it received and records), and both must be participants
 * of the case. Returns the request's id. */
char       *lia_request_new (LiaStore              *store,
                             const LiaRequestDraft *draft,
                             const GDate           *today,
                             GError               **error);

typedef struct
{
  const char *reason;     /* required */
  const char *by;         /* the person; required */
  const char *on;         /* optional, default today */
  const char *basis;      /* required for sensitive and secret */
  const char *redirect_to; /* organisation, required for redirect */
} LiaRequestStep;

/* Only the holder decides, and only when this organisation is the holder. */
gboolean    lia_request_decide (LiaStore             *store,
                                const char           *request_id,
                                LiaDecision           decision,
                                const LiaRequestStep *step,
                                const GDate          *today,
                                GError              **error);
/* Either party may escalate. */
/* Asks the originator of another organisation's record for its prior
 * written agreement to disclose that record to @to: a request to the
 * originator, which travels to it, and which it decides with "grant" (a
 * new version of the record with @to added) or otherwise. Returns the
 * request's id. */
char       *lia_request_extend (LiaStore    *store,
                                const char  *record_id,
                                const char  *to,
                                const char  *reason,
                                const char  *by,
                                const GDate *today,
                                GError     **error);

gboolean    lia_request_escalate (LiaStore             *store,
                                  const char           *request_id,
                                  LiaEscalationLevel    level,
                                  const LiaRequestStep *step,
                                  const GDate          *today,
                                  GError              **error);
/* Only the requester withdraws, while the request is not final. */
gboolean    lia_request_withdraw (LiaStore             *store,
                                  const char           *request_id,
                                  const LiaRequestStep *step,
                                  const GDate          *today,
                                  GError              **error);

LiaRequest *lia_request_load (LiaStore   *store,
                              const char *id_or_prefix,
                              GError    **error);
/* The requests of a case, oldest first. */
GPtrArray  *lia_request_list (LiaStore   *store,
                              const char *case_id,
                              GError    **error);

G_END_DECLS
