/* lia-test-world.h: the need-to-know property, for any way of moving
 * envelopes between stores.
 *
 * lia_test_world_run() plays a random world: up to five organisations
 * (council, ICB, police, IOPC, a school), random cases, participants,
 * sharing decisions, records of every classification, edits, releases,
 * grants, withdrawals and destructions, with envelopes moved between the
 * stores by @delivery (bundles in test-exchange, the sync engine over the
 * network in test-sync) in random order. A model kept here, from the rules
 * in lia-exchange.h and not from the code under test, says who is entitled
 * to which version of what; at the end every store must hold exactly that,
 * be unable to open anything else, and have every disclosure in both logs.
 *
 * Also the helpers that the exchange tests share with it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "lia-case.h"
#include "lia-log.h"
#include "lia-store.h"

G_BEGIN_DECLS

#define LIA_TEST_MAX_ORGS 5

typedef struct
{
  const char *name;
  LiaOrgKind  kind;
  LiaRole     role;
} LiaTestOrg;

/* Northshire Council, Northshire ICB, Northshire Police, IOPC Team 4, Hill
 * Street School, in that order. */
extern const LiaTestOrg lia_test_orgs[LIA_TEST_MAX_ORGS];

typedef struct
{
  /* Moves envelopes between every pair, in an order of @rand's choosing,
   * until nothing new moves. */
  void     (*deliver_all) (gpointer data,
                           GRand   *rand);
  /* Moves what @from has for @to (and, for a sync, the other way too). */
  void     (*deliver)     (gpointer data,
                           int      from,
                           int      to);
  gpointer   data;
} LiaTestDelivery;

/* Plays the world of @seed with @stores[0..@n_orgs) playing the first
 * @n_orgs of lia_test_orgs (each a peer of every other), then checks it. */
void        lia_test_world_run (LiaStore *const       *stores,
                                guint                  n_orgs,
                                guint32                seed,
                                const LiaTestDelivery *delivery);

/* Every pair of @n organisations, in an order of @rand's choosing, into
 * @pairs (room for @n × @n): both ways round if @ordered, else once each
 * (a sync carries both directions). Returns how many. */
guint       lia_test_world_pairs (guint    n,
                                  gboolean ordered,
                                  GRand   *rand,
                                  int    (*pairs)[2]);

/* A case led by @store's organisation (child, title and area fixed). */
char       *lia_test_new_case (LiaStore   *store,
                               const char *child);
/* Makes lia_test_orgs[@who] a participant of @case_id in its role. */
void        lia_test_add_participant (LiaStore   *store,
                                      const char *case_id,
                                      guint       who);
/* Whether @store's log has an entry of @event for @record_id at @version
 * (0: any) with @who's organisation as the counterpart. */
gboolean    lia_test_log_has (LiaStore    *store,
                              LiaLogEvent  event,
                              const char  *record_id,
                              gint64       version,
                              LiaStore    *who);
void        lia_test_assert_log_intact (LiaStore *store);

G_END_DECLS
