/* lia-case.h: organisations, cases, participants and the processes on a case.
 *
 * A case is opened by one organisation, its lead, which keeps its facts and
 * the list of participants (DESIGN.md, "Ownership"). The statutory
 * processes that run on a case (notification to the Panel, rapid review,
 * LCSPR, IOPC investigation, parallel proceedings) are described by the
 * case fields below, each set with lia_case_set_field().
 *
 * Cases, records and requests are named by random UUIDs; every lookup also
 * takes a unique prefix of at least four characters, as git does.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "lia-calendar.h"
#include "lia-fields.h"
#include "lia-identity.h"
#include "lia-store.h"

G_BEGIN_DECLS

/* Organisations this store knows: itself, its peers, and organisations
 * that take part in a case without Liaison (named only). */
typedef struct
{
  gint64     id;
  char      *name;
  LiaOrgKind kind;
  char      *fingerprint;   /* NULL for an organisation known only by name */
  gboolean   is_self;
} LiaOrg;

LiaOrg    *lia_org_copy (const LiaOrg *org);
void       lia_org_free (LiaOrg *org);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LiaOrg, lia_org_free)

/* Every known organisation, this one first, then by name. */
GPtrArray *lia_store_list_orgs (LiaStore *store,
                                GError  **error);
/* By identity fingerprint (spaces optional, any case) or by a prefix of
 * the name (any case) that only one organisation has; an exact name wins
 * over longer names that it prefixes. */
LiaOrg    *lia_store_find_org (LiaStore   *store,
                               const char *name_or_fingerprint,
                               GError    **error);
LiaOrg    *lia_store_get_self (LiaStore *store,
                               GError  **error);
/* Adds an organisation known only by name (one that does not use Liaison,
 * or before its invite code arrives). Names are unique, ignoring case. */
LiaOrg    *lia_store_add_org (LiaStore   *store,
                              const char *name,
                              LiaOrgKind  kind,
                              GError    **error);

/* A participant's role on a case. */
typedef enum
{
  LIA_ROLE_LOCAL_AUTHORITY,  /* safeguarding partner */
  LIA_ROLE_ICB,              /* safeguarding partner */
  LIA_ROLE_POLICE,           /* safeguarding partner */
  LIA_ROLE_IOPC,             /* the IOPC investigation team */
  LIA_ROLE_AGENCY,           /* another relevant agency */
} LiaRole;

const char *lia_role_to_string (LiaRole role);
gboolean    lia_role_from_string (const char *text,
                                  LiaRole    *out_role);
const char *lia_role_label (LiaRole role);
const char *const *lia_role_names (void);
gboolean    lia_role_is_safeguarding_partner (LiaRole role);
/* The role an organisation of @kind normally takes. */
LiaRole     lia_role_for_kind (LiaOrgKind kind);

typedef enum
{
  LIA_NOTIFICATION_SERIOUS_HARM,
  LIA_NOTIFICATION_DEATH,
  LIA_NOTIFICATION_OTHER,
} LiaNotificationType;

const char *const *lia_notification_type_names (void);

typedef struct
{
  LiaOrg  *org;
  LiaRole  role;
  char    *contact;   /* the named point of contact, or NULL if not yet named */
  char    *email;
  char    *phone;
} LiaParticipant;

void lia_participant_free (LiaParticipant *participant);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LiaParticipant, lia_participant_free)

/* Someone at the rapid review meeting. */
typedef struct
{
  gint64   id;
  LiaOrg  *org;
  LiaRole  role;        /* the organisation's role on the case */
  char    *name;
  char    *position;
} LiaAttendee;

void lia_attendee_free (LiaAttendee *attendee);

/* Bucks procedure 4.4: the rapid review meeting "will only be quorate if at
 * least three representatives from partner agencies, including at least two
 * of the Safeguarding Partners are present". Two of the three partners
 * (local authority, ICB, police) must be there, not merely two people
 * from one of them. */
typedef struct
{
  guint    representatives;
  guint    partners_present;   /* distinct safeguarding partner organisations */
  gboolean quorate;
} LiaQuorum;

void lia_quorum_check (GPtrArray *attendees,
                       LiaQuorum *out);

/* A notice to the Panel and the Secretary of State that publication of the
 * LCSPR is delayed, with the reasons (Working Together 2023). */
typedef struct
{
  gint64  id;
  GDate   sent;
  char   *reason;
  GDate   revised;    /* the new expected publication date, if given */
} LiaDelayNotice;

void lia_delay_notice_free (LiaDelayNotice *notice);

typedef struct
{
  char        *id;
  LiaOrg      *lead;
  char        *title;
  char        *child;          /* anonymised code, "Child A" */
  char        *area;
  GDate        incident;       /* invalid if not known */
  GDate        aware;          /* the local authority became aware */
  LiaNotificationType type;
  gboolean     closed;
  gint64       created_at;     /* Unix seconds */
  gint64       updated_at;
  GHashTable  *fields;         /* process field name → value, only those set; NULL unless loaded */
  GPtrArray   *participants;   /* LiaParticipant, NULL unless loaded */
  GPtrArray   *attendees;      /* LiaAttendee, NULL unless loaded */
  GPtrArray   *delays;         /* LiaDelayNotice, NULL unless loaded */
} LiaCase;

void        lia_case_free (LiaCase *lcase);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LiaCase, lia_case_free)

/* A process field's value, or NULL if it is not set. */
const char *lia_case_get_field (const LiaCase *lcase,
                                const char    *name);
/* A date field's value; FALSE if it is not set. */
gboolean    lia_case_get_date (const LiaCase *lcase,
                               const char    *name,
                               GDate         *out);

/* The fields of a case that lia_case_set_field() takes, in the order people
 * read them: the case's own facts ("title", "child", "area", "incident",
 * "aware", "type", "status"), then each process's, named
 * "PROCESS.FIELD". */
const LiaField *lia_case_fields (guint *out_n);
/* How many of them are the case's own facts (the first ones). */
#define LIA_CASE_N_FACTS 7
/* The process a field belongs to, for grouping: "case", "notification",
 * "rapid-review", "lcspr", "iopc" or "proceedings". */
char           *lia_case_field_process (const char *name);

typedef struct
{
  const char         *title;
  const char         *child;
  const char         *area;
  const char         *aware;      /* YYYY-MM-DD, required */
  const char         *incident;   /* or NULL */
  const char         *type;       /* "serious-harm" (default), "death", "other" */
} LiaCaseDraft;

/* Opens a case led by this organisation, which becomes its first
 * participant (its role from its kind, @contact as its point of contact,
 * which may be NULL). Returns the new case's id. */
char     *lia_case_create (LiaStore           *store,
                           const LiaCaseDraft *draft,
                           const char         *contact,
                           GError            **error);

/* A case by id or unique id prefix, with its fields, participants,
 * attendees and delay notices. */
LiaCase  *lia_case_load (LiaStore   *store,
                         const char *id_or_prefix,
                         GError    **error);

/* Every case, newest first: its own facts and lead, without process
 * fields or lists (lia_case_load() has those). */
GPtrArray *lia_case_list (LiaStore *store,
                          GError  **error);

/* Sets (or, with NULL or "", clears) one field. The case's own facts cannot
 * be cleared where they are required. Only the lead organisation changes a
 * case. */
gboolean  lia_case_set_field (LiaStore   *store,
                              const char *case_id,
                              const char *name,
                              const char *value,
                              GError    **error);

/* Participants: @org must be known (lia_store_find_org). */
gboolean  lia_case_add_participant (LiaStore   *store,
                                    const char *case_id,
                                    LiaOrg     *org,
                                    LiaRole     role,
                                    const char *contact,
                                    const char *email,
                                    const char *phone,
                                    GError    **error);
/* Changes the role or contact details of a participant; NULL leaves a
 * value as it is, "" clears an optional one. */
gboolean  lia_case_update_participant (LiaStore      *store,
                                       const char    *case_id,
                                       LiaOrg        *org,
                                       const LiaRole *role,
                                       const char    *contact,
                                       const char    *email,
                                       const char    *phone,
                                       GError       **error);
gboolean  lia_case_remove_participant (LiaStore   *store,
                                       const char *case_id,
                                       LiaOrg     *org,
                                       GError    **error);

/* Rapid review attendance; the organisation must be a participant. */
gboolean  lia_case_add_attendee (LiaStore   *store,
                                 const char *case_id,
                                 LiaOrg     *org,
                                 const char *name,
                                 const char *position,
                                 GError    **error);
gboolean  lia_case_remove_attendee (LiaStore   *store,
                                    const char *case_id,
                                    gint64      attendee_id,
                                    GError    **error);

gboolean  lia_case_add_delay_notice (LiaStore   *store,
                                     const char *case_id,
                                     const char *sent,
                                     const char *reason,
                                     const char *revised,
                                     GError    **error);

G_END_DECLS
