/* cli-peer.c: liaison-cli's commands for invite codes and peers.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "cli.h"
#include "cli-json.h"
#include "lia-invite.h"
#include "lia-peer.h"

/* ---- option values ---------------------------------------------------------------- */

static struct
{
  char   **endpoints;
  char    *expires;
  char    *by;
  gboolean readmit;
} opt;

static gboolean
reset_options (const char *name, const char *value, gpointer data, GError **error)
{
  g_clear_pointer (&opt.endpoints, g_strfreev);
  g_clear_pointer (&opt.expires, g_free);
  g_clear_pointer (&opt.by, g_free);
  opt.readmit = FALSE;
  return TRUE;
}

#define DEFAULT_VALIDITY "7d"

/* ---- helpers ------------------------------------------------------------------------ */

/* A mistyped or damaged code, like any value typed wrong, is a usage
 * error (exit 1); one that is genuine-looking but refused (forged,
 * expired, too new) could not be done (exit 2). */
static int
fail_invite (GError *error)
{
  if (error->domain == LIA_INVITE_ERROR
      && (error->code == LIA_INVITE_ERROR_MALFORMED || error->code == LIA_INVITE_ERROR_CHECKSUM
          || error->code == LIA_INVITE_ERROR_TOO_LARGE || error->code == LIA_INVITE_ERROR_INVALID))
    {
      error->domain = CLI_ERROR;
      error->code = CLI_ERROR_USAGE;
    }
  return cli_fail (error);
}

static char *
human_time (gint64 unix_time)
{
  g_autoptr (GDateTime) time = g_date_time_new_from_unix_utc (unix_time);

  return time != NULL ? g_date_time_format (time, "%Y-%m-%d %H:%M UTC") : g_strdup ("?");
}

static void
member_strv (CliJson           *b,
             const char        *name,
             const char *const *values)
{
  cli_json_member (b, name);
  cli_json_begin_array (b);
  for (guint i = 0; values != NULL && values[i] != NULL; i++)
    cli_json_string (b, values[i]);
  cli_json_end_array (b);
}

static void
peer_object (CliJson       *b,
             const LiaPeer *peer)
{
  cli_json_begin_object (b);
  cli_json_member_string (b, "name", peer->org->name);
  cli_json_member_string (b, "kind", lia_org_kind_to_string (peer->org->kind));
  cli_json_member_string (b, "fingerprint", peer->org->fingerprint);
  cli_json_member_bool (b, "verified", peer->verified_at != 0);
  cli_json_member_string (b, "verified_by", peer->verified_by);
  cli_json_member_time (b, "verified_at", peer->verified_at);
  member_strv (b, "endpoints", (const char *const *) peer->endpoints);
  cli_json_member_time (b, "peer_since", peer->peer_since);
  cli_json_member_bool (b, "revoked", peer->revoked_at != 0);
  cli_json_member_time (b, "revoked_at", peer->revoked_at);
  cli_json_end_object (b);
}

/* {"peer": …} and, when given, "safety_number". */
static void
print_peer_json (const LiaPeer *peer,
                 const char    *safety_number)
{
  CliJson *b = cli_json_new ();

  cli_json_begin_object (b);
  cli_json_member (b, "peer");
  peer_object (b, peer);
  if (safety_number != NULL)
    cli_json_member_string (b, "safety_number", safety_number);
  cli_json_end_object (b);
  cli_json_finish (b);
}

/* The 12 groups as 3 rows of 4, indented: easier to read aloud. */
static void
print_safety_number (const char *number)
{
  g_auto (GStrv) groups = g_strsplit (number, " ", -1);

  for (guint i = 0; groups[i] != NULL; i++)
    g_print ("%s%s%s", i % 4 == 0 ? "    " : " ", groups[i],
             i % 4 == 3 || groups[i + 1] == NULL ? "\n" : "");
}

static char *
endpoints_text (const LiaPeer *peer)
{
  if (peer->endpoints[0] == NULL)
    return g_strdup ("none");
  return g_strjoinv (", ", peer->endpoints);
}

/* ---- invite --------------------------------------------------------------------------- */

/* "30m", "12h", "7d": a whole number of minutes, hours or days. */
static gboolean
parse_duration (const char *text,
                gint64     *out_seconds,
                GError    **error)
{
  gsize len = strlen (text);
  g_autofree char *number = len >= 2 ? g_strndup (text, len - 1) : NULL;
  char unit_char = len >= 2 ? text[len - 1] : '\0';
  gint64 unit = unit_char == 'm'   ? 60
                : unit_char == 'h' ? 60 * 60
                : unit_char == 'd' ? 24 * 60 * 60
                                   : 0;
  guint64 count = 0;

  if (unit == 0 || number[0] == '0'
      || !g_ascii_string_to_unsigned (number, 10, 1, 999999, &count, NULL))
    {
      g_set_error (error, CLI_ERROR, CLI_ERROR_USAGE,
                   "“%s” is not a duration: give a whole number of minutes, hours or days, such "
                   "as 30m, 12h or 7d", text);
      return FALSE;
    }
  if ((gint64) count * unit > LIA_INVITE_MAX_VALIDITY)
    {
      g_set_error (error, CLI_ERROR, CLI_ERROR_USAGE,
                   "An invite code can be valid for at most %d days, not %s",
                   LIA_INVITE_MAX_VALIDITY / (24 * 60 * 60), text);
      return FALSE;
    }
  *out_seconds = (gint64) count * unit;
  return TRUE;
}

static int
cmd_invite (CliOptions *options)
{
  GError *error = NULL;
  g_autoptr (LiaStore) store = NULL;
  g_autoptr (LiaInvite) invite = NULL;
  g_autofree char *code = NULL;
  g_autofree char *fingerprint = NULL;
  guint n_endpoints = opt.endpoints != NULL ? g_strv_length (opt.endpoints) : 0;
  gint64 validity, now;

  if (!parse_duration (opt.expires != NULL ? opt.expires : DEFAULT_VALIDITY, &validity, &error))
    return cli_fail (error);
  if (n_endpoints > LIA_INVITE_MAX_ENDPOINTS)
    return cli_usage_error ("An invite code carries at most %d endpoints, not %u",
                            LIA_INVITE_MAX_ENDPOINTS, n_endpoints);
  for (guint i = 0; i < n_endpoints; i++)
    if (!lia_endpoint_is_valid (opt.endpoints[i]))
      return cli_usage_error ("“%s” is not an endpoint: give tcp://HOST:PORT, where HOST is a "
                              "host name, an IPv4 address or an IPv6 address in brackets, and "
                              "PORT a number from 1 to 65535", opt.endpoints[i]);

  store = cli_open_store (options, &error);
  if (store == NULL)
    return cli_fail (error);
  now = g_get_real_time () / G_USEC_PER_SEC;
  code = lia_store_make_invite (store, (const char *const *) opt.endpoints, now + validity, &error);
  if (code == NULL)
    return fail_invite (error);

  if (!options->json)
    {
      /* Exactly one line, to copy, mail or turn into a QR code. */
      g_print ("%s\n", code);
      return EXIT_OK;
    }

  /* Read back what was made, for the times in it; this also checks it. */
  invite = lia_invite_decode (code, now, &error);
  if (invite == NULL)
    return fail_invite (error);
  fingerprint = lia_store_dup_fingerprint (store);
  {
    CliJson *b = cli_json_new ();

    cli_json_begin_object (b);
    cli_json_member_string (b, "invite", code);
    cli_json_member_string (b, "name", invite->name);
    cli_json_member_string (b, "kind", lia_org_kind_to_string (invite->kind));
    cli_json_member_string (b, "fingerprint", fingerprint);
    member_strv (b, "endpoints", (const char *const *) invite->endpoints);
    cli_json_member_time (b, "created", invite->created);
    cli_json_member_time (b, "expires", invite->expires);
    cli_json_end_object (b);
    cli_json_finish (b);
  }
  return EXIT_OK;
}

/* ---- peer ------------------------------------------------------------------------------- */

static int
cmd_peer_add (CliOptions *options)
{
  GError *error = NULL;
  g_autoptr (LiaStore) store = NULL;
  g_autoptr (LiaInvite) invite = NULL;
  g_autoptr (LiaPeer) peer = NULL;
  g_autofree char *number = NULL;
  g_autofree char *endpoints = NULL;
  g_autofree char *expires = NULL;
  LiaPeerAddFlags flags = opt.readmit ? LIA_PEER_ADD_READMIT : LIA_PEER_ADD_DEFAULT;

  /* The code is read before the store is opened: a mistyped one needs no
   * passphrase to be told so. */
  invite = lia_invite_decode (options->args[0], g_get_real_time () / G_USEC_PER_SEC, &error);
  if (invite == NULL)
    return fail_invite (error);
  store = cli_open_store (options, &error);
  if (store == NULL || (peer = lia_store_add_peer (store, invite, flags, &error)) == NULL)
    return cli_fail (error);
  number = lia_store_peer_safety_number (store, peer);

  if (options->json)
    {
      print_peer_json (peer, number);
      return EXIT_OK;
    }
  endpoints = endpoints_text (peer);
  expires = human_time (invite->expires);
  g_print ("Added %s (%s) as a peer. It is not verified yet.\n", peer->org->name,
           lia_org_kind_to_string (peer->org->kind));
  g_print ("  Fingerprint:  %s\n", peer->org->fingerprint);
  g_print ("  Endpoints:    %s\n", endpoints);
  g_print ("  Invite valid until %s\n\n", expires);
  g_print ("Compare this safety number with %s, read aloud or on screen:\n\n", peer->org->name);
  print_safety_number (number);
  g_print ("\nIf it matches theirs, run: liaison-cli peer verify \"%s\"\n"
           "If it does not, remove the peer (liaison-cli peer remove \"%s\"): the code did not "
           "come from them.\n", peer->org->name, peer->org->name);
  return EXIT_OK;
}

static int
cmd_peer_list (CliOptions *options)
{
  GError *error = NULL;
  g_autoptr (LiaStore) store = cli_open_store (options, &error);
  g_autoptr (GPtrArray) peers = NULL;

  if (store == NULL || (peers = lia_store_list_peers (store, &error)) == NULL)
    return cli_fail (error);
  if (options->json)
    {
      CliJson *b = cli_json_new ();

      cli_json_begin_array (b);
      for (guint i = 0; i < peers->len; i++)
        peer_object (b, peers->pdata[i]);
      cli_json_end_array (b);
      cli_json_finish (b);
      return EXIT_OK;
    }
  if (peers->len == 0)
    {
      g_print ("No peers yet. Give this organisation's invite code (liaison-cli invite) to the "
               "organisations it is to share with, and add theirs (liaison-cli peer add CODE).\n");
      return EXIT_OK;
    }
  for (guint i = 0; i < peers->len; i++)
    {
      const LiaPeer *peer = peers->pdata[i];
      g_autofree char *endpoints = endpoints_text (peer);
      g_autofree char *since = human_time (peer->peer_since);
      g_autofree char *status = NULL;

      if (peer->revoked_at != 0)
        {
          g_autofree char *removed = human_time (peer->revoked_at);

          status = g_strdup_printf ("removed on %s", removed);
        }
      else if (peer->verified_at != 0)
        {
          g_autofree char *verified = human_time (peer->verified_at);

          status = g_strdup_printf ("verified by %s on %s", peer->verified_by, verified);
        }
      else
        status = g_strdup ("not verified: compare the safety number (liaison-cli peer "
                           "safety-number)");
      g_print ("%s%s (%s)\n", i > 0 ? "\n" : "", peer->org->name,
               lia_org_kind_to_string (peer->org->kind));
      g_print ("  Fingerprint:  %s\n", peer->org->fingerprint);
      g_print ("  Status:       %s\n", status);
      g_print ("  Peer since:   %s\n", since);
      g_print ("  Endpoints:    %s\n", endpoints);
    }
  return EXIT_OK;
}

static int
cmd_peer_safety_number (CliOptions *options)
{
  GError *error = NULL;
  g_autoptr (LiaStore) store = cli_open_store (options, &error);
  g_autoptr (LiaPeer) peer = NULL;
  g_autofree char *number = NULL;

  if (store == NULL || (peer = lia_store_find_peer (store, options->args[0], &error)) == NULL)
    return cli_fail (error);
  number = lia_store_peer_safety_number (store, peer);
  if (options->json)
    {
      print_peer_json (peer, number);
      return EXIT_OK;
    }
  g_print ("Safety number of %s and %s:\n\n", lia_store_get_org_name (store), peer->org->name);
  print_safety_number (number);
  g_print ("\n");
  if (peer->revoked_at != 0)
    {
      g_autofree char *removed = human_time (peer->revoked_at);

      g_print ("%s was removed as a peer on %s.\n", peer->org->name, removed);
    }
  else if (peer->verified_at != 0)
    {
      g_autofree char *verified = human_time (peer->verified_at);

      g_print ("Verified by %s on %s.\n", peer->verified_by, verified);
    }
  else
    g_print ("Both organisations see the same number. Compare it with %s, read aloud or on "
             "screen; if it matches, run: liaison-cli peer verify \"%s\"\n",
             peer->org->name, peer->org->name);
  return EXIT_OK;
}

static int
cmd_peer_verify (CliOptions *options)
{
  GError *error = NULL;
  g_autoptr (LiaStore) store = cli_open_store (options, &error);
  g_autoptr (LiaPeer) peer = NULL;
  g_autofree char *when = NULL;

  if (store == NULL || (peer = lia_store_find_peer (store, options->args[0], &error)) == NULL
      || !lia_store_verify_peer (store, peer, cli_person_name (opt.by), &error))
    return cli_fail (error);
  if (options->json)
    {
      print_peer_json (peer, NULL);
      return EXIT_OK;
    }
  when = human_time (peer->verified_at);
  g_print ("%s is verified: %s compared the safety number on %s.\n", peer->org->name,
           peer->verified_by, when);
  return EXIT_OK;
}

static int
cmd_peer_remove (CliOptions *options)
{
  GError *error = NULL;
  g_autoptr (LiaStore) store = cli_open_store (options, &error);
  g_autoptr (LiaPeer) peer = NULL;

  if (store == NULL || (peer = lia_store_find_peer (store, options->args[0], &error)) == NULL
      || !lia_store_revoke_peer (store, peer, &error))
    return cli_fail (error);
  if (options->json)
    {
      print_peer_json (peer, NULL);
      return EXIT_OK;
    }
  g_print ("Removed %s. From now on its connections and envelopes are refused; what it shared "
           "before stays in this store. To let it back in, add a new invite code from it with "
           "liaison-cli peer add --readmit CODE.\n", peer->org->name);
  return EXIT_OK;
}

/* ---- the table ---------------------------------------------------------------------- */

static const GOptionEntry invite_entries[] = {
  { "endpoint", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt.endpoints,
    "Where peers can connect to this organisation (repeat for more than one)",
    "tcp://HOST:PORT" },
  { "expires", 0, 0, G_OPTION_ARG_STRING, &opt.expires,
    "How long the code is valid: 30m, 12h, 7d (default " DEFAULT_VALIDITY ", at most 90d)",
    "DURATION" },
  { NULL }
};

static const GOptionEntry add_entries[] = {
  { "readmit", 0, 0, G_OPTION_ARG_NONE, &opt.readmit,
    "Let a removed peer back in (it starts unverified again)", NULL },
  { NULL }
};

static const GOptionEntry verify_entries[] = {
  { "by", 0, 0, G_OPTION_ARG_STRING, &opt.by,
    "Who compared the safety number (default: your name)", "NAME" },
  { NULL }
};

#define RESET , reset_options

const Command cli_peer_commands[] = {
  { "invite", NULL, "[--endpoint tcp://HOST:PORT]... [--expires DURATION]", 0,
    "This organisation's invite code, one line for a peer to add", invite_entries, cmd_invite,
    0 RESET },
  { "peer", "add", "CODE [--readmit]", 1, "Add an organisation as a peer from its invite code",
    add_entries, cmd_peer_add, 0 RESET },
  { "peer", "list", "", 0, "The peers: verified or not, removed or not, their endpoints", NULL,
    cmd_peer_list, 0 RESET },
  { "peer", "safety-number", "ORG", 1, "The safety number to compare with a peer", NULL,
    cmd_peer_safety_number, 0 RESET },
  { "peer", "verify", "ORG [--by NAME]", 1, "Record that the safety number was compared and matched",
    verify_entries, cmd_peer_verify, 0 RESET },
  { "peer", "remove", "ORG", 1, "Revoke a peer: its connections and envelopes are refused", NULL,
    cmd_peer_remove, 0 RESET },
};

const guint cli_peer_n_commands = G_N_ELEMENTS (cli_peer_commands);
