/* lia-test-world.c: the need-to-know property, for any way of moving
 * envelopes between stores. See lia-test-world.h.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "lia-envelope.h"
#include "lia-exchange.h"
#include "lia-log.h"
#include "lia-peer.h"
#include "lia-record.h"
#include "lia-request.h"
#include "lia-store-private.h"
#include "lia-test-util.h"
#include "lia-test-world.h"

const LiaTestOrg lia_test_orgs[LIA_TEST_MAX_ORGS] = {
  { "Northshire Council", LIA_ORG_KIND_LOCAL_AUTHORITY, LIA_ROLE_LOCAL_AUTHORITY },
  { "Northshire ICB", LIA_ORG_KIND_ICB, LIA_ROLE_ICB },
  { "Northshire Police", LIA_ORG_KIND_POLICE, LIA_ROLE_POLICE },
  { "IOPC Team 4", LIA_ORG_KIND_IOPC, LIA_ROLE_IOPC },
  { "Hill Street School", LIA_ORG_KIND_AGENCY, LIA_ROLE_AGENCY },
};

/* ---- helpers ------------------------------------------------------------------ */

guint
lia_test_world_pairs (guint n, gboolean ordered, GRand *rand, int (*pairs)[2])
{
  guint count = 0;

  for (guint i = 0; i < n; i++)
    for (guint j = ordered ? 0 : i + 1; j < n; j++)
      if (i != j)
        {
          pairs[count][0] = i;
          pairs[count][1] = j;
          count++;
        }
  for (guint k = count; k > 1; k--)
    {
      guint m = g_rand_int_range (rand, 0, k);
      int a = pairs[k - 1][0], b = pairs[k - 1][1];

      pairs[k - 1][0] = pairs[m][0];
      pairs[k - 1][1] = pairs[m][1];
      pairs[m][0] = a;
      pairs[m][1] = b;
    }
  return count;
}

char *
lia_test_new_case (LiaStore *store, const char *child)
{
  g_autoptr (GError) error = NULL;
  LiaCaseDraft draft = {
    .title = child, .child = child, .area = "Northshire", .aware = "2026-09-01",
    .type = "serious-harm",
  };
  char *id = lia_case_create (store, &draft, "A. Lead", &error);

  g_assert_no_error (error);
  return id;
}

void
lia_test_add_participant (LiaStore *store, const char *case_id, guint who)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LiaOrg) org = lia_store_find_org (store, lia_test_orgs[who].name, &error);

  g_assert_no_error (error);
  g_assert_true (lia_case_add_participant (store, case_id, org, lia_test_orgs[who].role,
                                           "A. Contact", NULL, NULL, &error));
  g_assert_no_error (error);
}

gboolean
lia_test_log_has (LiaStore *store, LiaLogEvent event, const char *record_id, gint64 version,
                  LiaStore *who)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) entries = lia_log_list (store, NULL, &error);
  GBytes *key = lia_store_get_identity_public_key (who);

  g_assert_no_error (error);
  for (guint i = 0; i < entries->len; i++)
    {
      const LiaLogEntry *e = entries->pdata[i];

      if (e->event == event && g_strcmp0 (e->record_id, record_id) == 0
          && (version == 0 || e->record_version == version) && e->counterpart_key != NULL
          && g_bytes_equal (e->counterpart_key, key))
        return TRUE;
    }
  return FALSE;
}

void
lia_test_assert_log_intact (LiaStore *store)
{
  g_autoptr (GError) error = NULL;
  gint64 n = 0;

  g_assert_true (lia_log_verify (store, &n, &error));
  g_assert_no_error (error);
}

/* ---- the need-to-know property -------------------------------------------- */

#define MAX_VERSIONS 8
#define N_KINDS 4

static const LiaRecordKind kinds[N_KINDS] = {
  LIA_RECORD_INFORMATION_REPORT, LIA_RECORD_FACTUAL_SUMMARY, LIA_RECORD_TERMS_OF_REFERENCE,
  LIA_RECORD_NOTE,
};

typedef struct
{
  char    *id;
  int      lead;
  guint    participants;                  /* bit per org */
  guint share[LIA_TEST_MAX_ORGS][LIA_TEST_MAX_ORGS]; /* [originator][participant]: bit per kind */
} MCase;

typedef struct
{
  char    *id;
  int      case_ix;
  int      orig;
  int      kind;
  gboolean secret;
  gboolean destroy;                       /* has a destruction date in the past */
  int      version;
  char    *text[MAX_VERSIONS + 1];        /* by version */
  guint    recipients[MAX_VERSIONS + 1];  /* by version: bit per org */
  guint    releases;
  guint    grants;                        /* added by the originator's grant */
  gboolean withdrawn;
} MRecord;

typedef struct
{
  LiaStore *const       *stores;    /* borrowed, n of them */
  int                    n;
  const LiaTestDelivery *delivery;
  GRand                 *rand;
  GPtrArray             *cases;     /* MCase */
  GPtrArray             *records;   /* MRecord */
} World;

static void
mcase_free (MCase *c)
{
  g_free (c->id);
  g_free (c);
}

static void
mrecord_free (MRecord *r)
{
  g_free (r->id);
  for (int v = 0; v <= MAX_VERSIONS; v++)
    g_free (r->text[v]);
  g_free (r);
}

static guint
ever (const MRecord *r)
{
  guint all = 0;

  for (int v = 1; v <= r->version; v++)
    all |= r->recipients[v];
  return all;
}

/* The rules of lia-exchange.h, written out again. */
static guint
entitled_now (World *w, const MRecord *r)
{
  const MCase *c = w->cases->pdata[r->case_ix];
  guint out = 1u << r->orig;

  if (r->withdrawn)
    return ever (r);
  out |= r->releases;
  if (!r->secret)
    out |= r->grants;
  if (!r->secret)
    for (int p = 0; p < w->n; p++)
      if ((c->participants & (1u << p)) && (c->share[r->orig][p] & (1u << r->kind)))
        out |= 1u << p;
  return out;
}

/* What a sharing decision or a new participant does: the current version
 * goes to those newly entitled. */
static void
catch_up (World *w)
{
  for (guint i = 0; i < w->records->len; i++)
    {
      MRecord *r = w->records->pdata[i];

      if (!r->withdrawn)
        r->recipients[r->version] |= entitled_now (w, r);
    }
}

static int
random_participant (World *w, const MCase *c)
{
  int n = 0, pick;

  for (int p = 0; p < w->n; p++)
    n += (c->participants >> p) & 1;
  pick = g_rand_int_range (w->rand, 0, n);
  for (int p = 0; p < w->n; p++)
    if ((c->participants >> p) & 1 && pick-- == 0)
      return p;
  g_assert_not_reached ();
}

static void
op_new_case (World *w)
{
  MCase *c = g_new0 (MCase, 1);
  g_autofree char *child = g_strdup_printf ("Child %u", w->cases->len + 1);

  c->lead = g_rand_int_range (w->rand, 0, w->n);
  c->id = lia_test_new_case (w->stores[c->lead], child);
  c->participants = 1u << c->lead;
  for (int p = 0; p < w->n; p++)
    if (p != c->lead && g_rand_boolean (w->rand))
      {
        lia_test_add_participant (w->stores[c->lead], c->id, p);
        c->participants |= 1u << p;
      }
  g_ptr_array_add (w->cases, c);
  /* Everyone learns of the case before acting on it. */
  w->delivery->deliver_all (w->delivery->data, w->rand);
  catch_up (w);
}

static void
op_add_participant (World *w, MCase *c)
{
  int p = g_rand_int_range (w->rand, 0, w->n);

  if (c->participants & (1u << p))
    return;
  lia_test_add_participant (w->stores[c->lead], c->id, p);
  c->participants |= 1u << p;
  w->delivery->deliver_all (w->delivery->data, w->rand);
  catch_up (w);
}

static void
op_share (World *w, MCase *c)
{
  g_autoptr (GError) error = NULL;
  int orig = random_participant (w, c);
  int p = random_participant (w, c);
  int k = g_rand_int_range (w->rand, 0, N_KINDS);
  const char *categories[] = { lia_record_kind_to_string (kinds[k]), NULL };

  if (p == orig)
    return;
  if (g_rand_int_range (w->rand, 0, 4) == 0)
    {
      g_assert_true (lia_case_unshare (w->stores[orig], c->id, lia_test_orgs[p].name, categories,
                                       &error));
      c->share[orig][p] &= ~(1u << k);
    }
  else
    {
      g_assert_true (lia_case_share (w->stores[orig], c->id, lia_test_orgs[p].name, categories,
                                     NULL, &error));
      c->share[orig][p] |= 1u << k;
    }
  g_assert_no_error (error);
  catch_up (w);
}

static void
op_add_record (World *w, int case_ix)
{
  g_autoptr (GError) error = NULL;
  MCase *c = w->cases->pdata[case_ix];
  MRecord *r = g_new0 (MRecord, 1);
  g_autoptr (GHashTable) fields = NULL;
  int roll = g_rand_int_range (w->rand, 0, 10);

  r->case_ix = case_ix;
  r->orig = random_participant (w, c);
  r->kind = g_rand_int_range (w->rand, 0, N_KINDS);
  r->secret = roll == 0;
  r->destroy = g_rand_int_range (w->rand, 0, 6) == 0;
  r->version = 1;
  r->text[1] = g_strdup_printf ("Record %u, version 1", w->records->len);
  fields = lia_test_fields ("text", r->text[1], NULL);
  if (roll <= 2)
    {
      g_hash_table_insert (fields, g_strdup ("classification"),
                           g_strdup (r->secret ? "secret" : "sensitive"));
      g_hash_table_insert (fields, g_strdup ("basis"), g_strdup ("Third-party personal data"));
    }
  if (r->destroy)
    g_hash_table_insert (fields, g_strdup ("destroy-on"), g_strdup ("2026-10-01"));
  r->id = lia_record_add (w->stores[r->orig], c->id, kinds[r->kind], fields, &error);
  g_assert_no_error (error);
  g_ptr_array_add (w->records, r);
  r->recipients[1] = entitled_now (w, r);
}

static void
op_edit (World *w, MRecord *r)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GHashTable) changes = NULL;

  if (r->withdrawn || r->version >= MAX_VERSIONS)
    return;
  r->version++;
  r->text[r->version] = g_strdup_printf ("%s, version %d", r->id, r->version);
  changes = lia_test_fields ("text", r->text[r->version], NULL);
  g_assert_true (lia_record_edit (w->stores[r->orig], r->id, changes, &error));
  g_assert_no_error (error);
  r->recipients[r->version] = entitled_now (w, r);
}

static void
op_release (World *w, MRecord *r)
{
  g_autoptr (GError) error = NULL;
  const MCase *c = w->cases->pdata[r->case_ix];
  int to = random_participant (w, c);

  if (r->withdrawn || to == r->orig)
    return;
  g_assert_true (lia_record_release (w->stores[r->orig], r->id, lia_test_orgs[to].name,
                                     "Needed for the review", NULL, &error));
  g_assert_no_error (error);
  r->releases |= 1u << to;
  catch_up (w);
}

/* A recipient of some record asks its originator to extend it to a
 * participant that does not have it; the originator grants it: a new
 * version, for one more organisation. */
static void
op_grant (World *w)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *request_id = NULL;
  LiaRequestStep step = { .reason = "Agreed", .by = "The originator" };
  guint n = w->records->len;
  guint first = n > 0 ? g_rand_int_range (w->rand, 0, n) : 0;
  MRecord *r = NULL;
  int asker = -1, to = -1;
  GDate today;

  for (guint k = 0; k < n && r == NULL; k++)
    {
      MRecord *candidate = w->records->pdata[(first + k) % n];
      const MCase *c = w->cases->pdata[candidate->case_ix];

      if (candidate->withdrawn || candidate->secret || candidate->version >= MAX_VERSIONS)
        continue;
      asker = to = -1;
      for (int o = 0; o < w->n; o++)
        if (o != candidate->orig && (candidate->recipients[candidate->version] & (1u << o)))
          asker = o;
      for (int o = 0; o < w->n; o++)
        if ((c->participants & (1u << o)) && !(entitled_now (w, candidate) & (1u << o)))
          to = o;
      if (asker >= 0 && to >= 0)
        r = candidate;
    }
  if (r == NULL)
    return;
  /* The asker must hold the record before it can ask about it. */
  w->delivery->deliver_all (w->delivery->data, w->rand);
  g_date_clear (&today, 1);
  g_date_set_dmy (&today, 21, G_DATE_NOVEMBER, 2026);
  request_id = lia_request_extend (w->stores[asker], r->id, lia_test_orgs[to].name, "Needed",
                                   "Someone", &today, &error);
  g_assert_no_error (error);
  w->delivery->deliver (w->delivery->data, asker, r->orig);
  g_assert_true (lia_request_decide (w->stores[r->orig], request_id, LIA_DECISION_GRANT, &step,
                                     &today, &error));
  g_assert_no_error (error);
  g_test_message ("granted %.8s to %s", r->id, lia_test_orgs[to].name);
  r->grants |= 1u << to;
  r->version++;
  r->text[r->version] = g_strdup (r->text[r->version - 1]);
  r->recipients[r->version] = entitled_now (w, r);
}

static void
op_withdraw (World *w, MRecord *r)
{
  g_autoptr (GError) error = NULL;

  if (r->withdrawn || r->version >= MAX_VERSIONS)
    return;
  g_assert_true (lia_record_withdraw (w->stores[r->orig], r->id, "Sent in error", NULL, &error));
  g_assert_no_error (error);
  r->withdrawn = TRUE;
  r->version++;
  r->recipients[r->version] = ever (r);
}

/* The last version of @r that @o was sent. */
static int
last_version_for (const MRecord *r, int o)
{
  for (int v = r->version; v >= 1; v--)
    if (r->recipients[v] & (1u << o))
      return v;
  return 0;
}

static LiaAuthorStatus
any_author_cb (const guint8 *key, gpointer data)
{
  return LIA_AUTHOR_KNOWN;
}

static void
check_world (World *w)
{
  for (guint i = 0; i < w->records->len; i++)
    {
      const MRecord *r = w->records->pdata[i];
      guint had = ever (r);

      for (int o = 0; o < w->n; o++)
        {
          LiaStore *store = w->stores[o];
          g_autoptr (GError) error = NULL;
          g_autoptr (LiaRecord) held = lia_record_load (store, r->id, &error);

          if (o == r->orig)
            {
              g_assert_no_error (error);
              g_assert_cmpint (held->version, ==, r->version);
              g_assert_true (held->originator->is_self);
              for (int p = 0; p < w->n; p++)
                for (int v = 1; v <= r->version; v++)
                  if (p != o && (r->recipients[v] & (1u << p)))
                    g_assert_true (lia_test_log_has (
                      store,
                      r->withdrawn && v == r->version ? LIA_LOG_WITHDRAWN : LIA_LOG_DISCLOSED,
                      r->id, v, w->stores[p]));
              continue;
            }
          if (!(had & (1u << o)))
            {
              /* Not entitled: nothing of it here at all. */
              g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_FOUND);
              g_assert_false (
                lia_test_log_has (store, LIA_LOG_RECEIVED, r->id, 0, w->stores[r->orig]));
              continue;
            }
          g_assert_no_error (error);
          if (r->withdrawn)
            {
              g_assert_true (held->withdrawn);
              g_assert_null (lia_record_get_field (held, "text"));
              g_assert_true (
                lia_test_log_has (store, LIA_LOG_WITHDRAWN, r->id, 0, w->stores[r->orig]));
            }
          else if (r->destroy)
            {
              g_assert_true (held->destroyed);
              g_assert_null (lia_record_get_field (held, "text"));
              g_assert_true (
                lia_test_log_has (store, LIA_LOG_DESTROYED, r->id, 0, w->stores[r->orig]));
              g_assert_true (
                lia_test_log_has (w->stores[r->orig], LIA_LOG_DESTROYED, r->id, 0, store));
            }
          else
            {
              int v = last_version_for (r, o);

              g_assert_cmpint (held->version, ==, v);
              g_assert_cmpstr (lia_record_get_field (held, "text"), ==, r->text[v]);
              for (int u = 1; u <= r->version; u++)
                if (r->recipients[u] & (1u << o))
                  g_assert_true (lia_test_log_has (store, LIA_LOG_RECEIVED, r->id, u,
                                          w->stores[r->orig]));
            }
        }
    }

  /* Nothing readable that is not addressed to the store: every envelope
   * each store holds is for it, and the originator's envelopes open only
   * for their recipients. */
  for (int o = 0; o < w->n; o++)
    {
      sqlite3 *db = lia_store_get_db (w->stores[o]);
      sqlite3_stmt *stmt = NULL;
      GBytes *self = lia_store_get_identity_public_key (w->stores[o]);

      g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT bytes FROM envelope", -1, &stmt, NULL), ==,
                       SQLITE_OK);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        {
          g_autoptr (GBytes) bytes = g_bytes_new (sqlite3_column_blob (stmt, 0),
                                                  sqlite3_column_bytes (stmt, 0));
          g_autoptr (GError) error = NULL;
          g_autoptr (LiaEnvelope) env = lia_envelope_parse (bytes, &error);

          g_assert_no_error (error);
          /* Its own receipts are sealed for the originator alone. */
          if (memcmp (lia_envelope_get_author_sign_public (env), g_bytes_get_data (self, NULL), 32)
              != 0)
            g_assert_true (lia_envelope_is_for (env, g_bytes_get_data (self, NULL)));
          for (int p = 0; p < w->n; p++)
            {
              GBytes *key = lia_store_get_identity_public_key (w->stores[p]);
              g_autoptr (LiaEnvelope) again = lia_envelope_parse (bytes, NULL);
              g_autoptr (GBytes) content = NULL;
              g_autoptr (GError) open_error = NULL;

              if (lia_envelope_is_for (again, g_bytes_get_data (key, NULL)))
                continue;
              /* Genuine, and still unreadable to a non-recipient. */
              g_assert_true (lia_envelope_verify (again, any_author_cb, NULL, NULL));
              content = lia_envelope_open (again, lia_store_get_keyring (w->stores[p]),
                                           &open_error);
              g_assert_null (content);
              g_assert_nonnull (open_error);
            }
        }
      sqlite3_finalize (stmt);
    }
  for (int o = 0; o < w->n; o++)
    lia_test_assert_log_intact (w->stores[o]);
}

void
lia_test_world_run (LiaStore *const       *stores,
                    guint                  n_orgs,
                    guint32                seed,
                    const LiaTestDelivery *delivery)
{
  World w = { stores, (int) n_orgs, delivery, g_rand_new_with_seed (seed), NULL, NULL };
  GDate today;

  w.cases = g_ptr_array_new_with_free_func ((GDestroyNotify) mcase_free);
  w.records = g_ptr_array_new_with_free_func ((GDestroyNotify) mrecord_free);
  op_new_case (&w);
  op_new_case (&w);
  for (int step = 0; step < 40; step++)
    {
      int roll = g_rand_int_range (w.rand, 0, 100);
      guint ci = g_rand_int_range (w.rand, 0, w.cases->len);
      MRecord *r = w.records->len > 0
                     ? w.records->pdata[g_rand_int_range (w.rand, 0, w.records->len)]
                     : NULL;

      if (roll < 4)
        op_new_case (&w);
      else if (roll < 10)
        op_add_participant (&w, w.cases->pdata[ci]);
      else if (roll < 35)
        op_share (&w, w.cases->pdata[ci]);
      else if (roll < 65 || r == NULL)
        op_add_record (&w, ci);
      else if (roll < 80)
        op_edit (&w, r);
      else if (roll < 82)
        op_release (&w, r);
      else if (roll < 95)
        op_grant (&w);
      else
        op_withdraw (&w, r);
      /* Some exchange as it goes, in no particular order. */
      if (g_rand_int_range (w.rand, 0, 3) == 0)
        {
          int a = g_rand_int_range (w.rand, 0, w.n);
          int b = (a + g_rand_int_range (w.rand, 1, w.n)) % w.n;

          delivery->deliver (delivery->data, a, b);
        }
    }
  delivery->deliver_all (delivery->data, w.rand);
  g_date_clear (&today, 1);
  g_date_set_dmy (&today, 21, G_DATE_NOVEMBER, 2026);
  for (int o = 0; o < w.n; o++)
    {
      g_autoptr (GError) error = NULL;

      g_assert_cmpint (lia_exchange_destroy_due (stores[o], &today, &error), >=, 0);
      g_assert_no_error (error);
    }
  delivery->deliver_all (delivery->data, w.rand);
  check_world (&w);
  g_ptr_array_unref (w.cases);
  g_ptr_array_unref (w.records);
  g_rand_free (w.rand);
}

