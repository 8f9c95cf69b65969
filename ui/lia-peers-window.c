/* lia-peers-window.c: the organisations this one shares with.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "lia-errors.h"
#include "lia-info-row.h"
#include "lia-invite.h"
#include "lia-loader.h"
#include "lia-peer.h"
#include "lia-peers-window.h"
#include "lia-qr.h"
#include "lia-util.h"

/* How long a new invite code is valid: a week, as liaison-cli's. */
#define INVITE_VALIDITY (7 * 24 * 60 * 60)

/* Errors of this window's own: a code from a peer that was removed, which
 * comes back only if the person says so. */
#define PEERS_ERROR (peers_error_quark ())
static G_DEFINE_QUARK (lia-peers-window-error, peers_error)
enum
{
  PEERS_ERROR_REMOVED,
};

typedef struct
{
  GPtrArray *peers;    /* owned LiaPeer, current and removed, by name */
  GPtrArray *numbers;  /* owned char *: each peer's safety number */
} Peers;

static void
peers_free (Peers *p)
{
  if (p == NULL)
    return;
  g_clear_pointer (&p->peers, g_ptr_array_unref);
  g_clear_pointer (&p->numbers, g_ptr_array_unref);
  g_free (p);
}

struct _LiaPeersWindow
{
  AdwWindow        parent_instance;

  LiaApplication  *app;        /* borrowed */
  LiaLoader       *loader;     /* owned */
  Peers           *data;       /* owned */
  char            *invite;     /* owned: the code shown */
  GHashTable      *expanded;   /* owned: fingerprints of the peers whose rows are open */
  GCancellable    *cancellable;
  gboolean         busy;
  /* Each peer's sync as the store last recorded it, while the engine does
   * not run (it could not listen); owned LiaSyncPeerState, or NULL. */
  GPtrArray       *saved_states;

  AdwToastOverlay *toast_overlay;
  AdwWindowTitle  *window_title;
  GtkPicture      *qr_picture;
  GtkLabel        *invite_label;
  GtkLabel        *invite_status;
  AdwEntryRow     *code_row;
  GtkLabel        *add_error_label;
  GtkLabel        *peers_status;
  GtkLabel        *sync_status;
  GtkListBox      *peers_list;
};

G_DEFINE_FINAL_TYPE (LiaPeersWindow, lia_peers_window, ADW_TYPE_WINDOW)

static gpointer
load_job (LiaStore     *store,
          gpointer      user_data,
          GCancellable *cancellable,
          GError      **error)
{
  Peers *p = g_new0 (Peers, 1);

  p->peers = lia_store_list_peers (store, error);
  if (p->peers == NULL)
    {
      peers_free (p);
      return NULL;
    }
  p->numbers = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < p->peers->len; i++)
    g_ptr_array_add (p->numbers, lia_store_peer_safety_number (store, p->peers->pdata[i]));
  return p;
}

static void
toast (LiaPeersWindow *self,
       const char     *message)
{
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (message));
}

/* ---- the invite code ------------------------------------------------------- */

typedef struct
{
  char   *endpoint;  /* or NULL */
  gint64  expires;
} InviteSpec;

typedef struct
{
  char   *code;
  gint64  expires;
  char   *endpoint;
} Invite;

static void
invite_spec_free (InviteSpec *spec)
{
  g_free (spec->endpoint);
  g_free (spec);
}

static void
invite_free (Invite *invite)
{
  g_free (invite->code);
  g_free (invite->endpoint);
  g_free (invite);
}

static gpointer
invite_job (LiaStore     *store,
            gpointer      user_data,
            GCancellable *cancellable,
            GError      **error)
{
  InviteSpec *spec = user_data;
  const char *endpoints[] = { spec->endpoint, NULL };
  Invite *invite = g_new0 (Invite, 1);

  invite->code = lia_store_make_invite (store, spec->endpoint != NULL ? endpoints : NULL,
                                        spec->expires, error);
  if (invite->code == NULL)
    {
      invite_free (invite);
      return NULL;
    }
  invite->expires = spec->expires;
  invite->endpoint = g_strdup (spec->endpoint);
  return invite;
}

static void
invite_made_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  LiaPeersWindow *self;
  g_autoptr (GError) error = NULL;
  Invite *invite = lia_store_worker_run_finish (LIA_STORE_WORKER (source), result, &error);
  g_autoptr (GdkTexture) texture = NULL;
  g_autofree char *expires = NULL;
  g_autofree char *status = NULL;

  if (lia_error_is_cancelled (error))
    return;
  self = LIA_PEERS_WINDOW (user_data);
  if (invite == NULL)
    {
      g_autofree char *message = lia_error_describe (error);

      gtk_label_set_text (self->invite_status, message);
      return;
    }
  g_free (self->invite);
  self->invite = g_strdup (invite->code);
  gtk_label_set_text (self->invite_label, invite->code);
  texture = lia_qr_texture_new (invite->code, 3);
  gtk_picture_set_paintable (self->qr_picture, GDK_PAINTABLE (texture));
  expires = lia_format_time (invite->expires);
  if (invite->endpoint != NULL)
    /* Translators: when an invite code expires, and where it tells peers to connect */
    status = g_strdup_printf (_("Valid until %s. Peers will connect to %s."), expires,
                              invite->endpoint);
  else
    status = g_strdup_printf (_("Valid until %s. It gives no address to connect to: set the "
                                "address peers reach this computer at in Preferences, then make "
                                "a new code."),
                              expires);
  gtk_label_set_text (self->invite_status, status);
  invite_free (invite);
}

static void
make_invite (LiaPeersWindow *self)
{
  GSettings *settings = lia_application_get_settings (self->app);
  g_autofree char *host = g_settings_get_string (settings, "public-host");
  g_autoptr (GVariant) port_value = g_settings_get_value (settings, "listen-port");
  guint port = g_variant_get_uint16 (port_value);
  InviteSpec *spec = g_new0 (InviteSpec, 1);
  g_autofree char *endpoint = NULL;

  g_strstrip (host);
  if (*host == '\0')
    {
      g_free (host);
      host = g_strdup (g_get_host_name ());
    }
  if (strchr (host, ':') != NULL && host[0] != '[')
    endpoint = g_strdup_printf ("tcp://[%s]:%u", host, port);
  else
    endpoint = g_strdup_printf ("tcp://%s:%u", host, port);
  if (lia_endpoint_is_valid (endpoint))
    spec->endpoint = g_steal_pointer (&endpoint);
  spec->expires = g_get_real_time () / G_USEC_PER_SEC + INVITE_VALIDITY;
  lia_store_worker_run (lia_application_get_worker (self->app), invite_job, spec,
                        (GDestroyNotify) invite_spec_free, (GDestroyNotify) invite_free,
                        LIA_STORE_JOB_READS, NULL, self->cancellable, invite_made_cb, self);
}

static void
copy_invite_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  LiaPeersWindow *self = LIA_PEERS_WINDOW (widget);

  if (self->invite == NULL)
    return;
  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), self->invite);
  toast (self, _("Invite code copied"));
}

static void
new_invite_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  make_invite (LIA_PEERS_WINDOW (widget));
}

/* ---- adding a peer ----------------------------------------------------------- */

typedef struct
{
  char    *code;
  gboolean readmit;
} AddSpec;

static void
add_spec_free (AddSpec *spec)
{
  g_free (spec->code);
  g_free (spec);
}

static gpointer
add_job (LiaStore     *store,
         gpointer      user_data,
         GCancellable *cancellable,
         GError      **error)
{
  AddSpec *spec = user_data;
  g_autoptr (LiaInvite) invite = lia_invite_decode (spec->code,
                                                    g_get_real_time () / G_USEC_PER_SEC, error);
  g_autoptr (GPtrArray) peers = NULL;

  if (invite == NULL)
    return NULL;
  if (!spec->readmit)
    {
      peers = lia_store_list_peers (store, error);
      if (peers == NULL)
        return NULL;
      for (guint i = 0; i < peers->len; i++)
        {
          const LiaPeer *peer = peers->pdata[i];

          if (peer->revoked_at != 0
              && memcmp (peer->sign_public, invite->sign_public, LIA_KEY_BYTES) == 0)
            {
              g_set_error (error, PEERS_ERROR, PEERS_ERROR_REMOVED, "%s", peer->org->name);
              return NULL;
            }
        }
    }
  return lia_store_add_peer (store, invite,
                             spec->readmit ? LIA_PEER_ADD_READMIT : LIA_PEER_ADD_DEFAULT, error);
}

static void add_peer (LiaPeersWindow *self, gboolean readmit);

static void
readmit_response_cb (AdwMessageDialog *dialog,
                     const char       *response,
                     gpointer          user_data)
{
  if (g_str_equal (response, "readmit"))
    add_peer (user_data, TRUE);
}

static void
added_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  LiaPeersWindow *self;
  g_autoptr (GError) error = NULL;
  g_autoptr (LiaPeer) peer = lia_store_worker_run_finish (LIA_STORE_WORKER (source), result,
                                                          &error);
  g_autofree char *message = NULL;

  if (lia_error_is_cancelled (error))
    return;
  self = LIA_PEERS_WINDOW (user_data);
  self->busy = FALSE;
  gtk_widget_set_sensitive (GTK_WIDGET (self->code_row), TRUE);
  if (g_error_matches (error, PEERS_ERROR, PEERS_ERROR_REMOVED))
    {
      g_autofree char *heading = g_strdup_printf (_("Let %s back in?"), error->message);
      GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), heading,
                                                  _("This organisation was removed as a peer. "
                                                    "If it comes back, it starts unverified: "
                                                    "compare the safety number with it again "
                                                    "before you rely on it."));

      adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"),
                                        "readmit", _("_Let it back in"), NULL);
      adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "readmit",
                                                  ADW_RESPONSE_SUGGESTED);
      gtk_widget_set_name (dialog, "readmit-dialog");
      g_signal_connect_object (dialog, "response", G_CALLBACK (readmit_response_cb), self, 0);
      gtk_window_present (GTK_WINDOW (dialog));
      return;
    }
  if (peer == NULL)
    {
      lia_show_error_label (self->add_error_label, error);
      gtk_widget_grab_focus (GTK_WIDGET (self->code_row));
      return;
    }
  lia_show_error_label (self->add_error_label, NULL);
  gtk_editable_set_text (GTK_EDITABLE (self->code_row), "");
  message = g_strdup_printf (_("Added %s. Compare the safety number with them, then mark it as "
                               "verified."),
                             peer->org->name);
  toast (self, message);
  g_object_set_data_full (G_OBJECT (self), "expand", g_strdup (peer->org->name), g_free);
}

static void
add_peer (LiaPeersWindow *self,
          gboolean        readmit)
{
  const char *code = gtk_editable_get_text (GTK_EDITABLE (self->code_row));
  AddSpec *spec;

  if (self->busy)
    return;
  if (code == NULL || *code == '\0')
    {
      g_autoptr (GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                                                      _("Paste the invite code first."));

      lia_show_error_label (self->add_error_label, error);
      gtk_widget_grab_focus (GTK_WIDGET (self->code_row));
      return;
    }
  spec = g_new0 (AddSpec, 1);
  spec->code = g_strdup (code);
  spec->readmit = readmit;
  self->busy = TRUE;
  gtk_widget_set_sensitive (GTK_WIDGET (self->code_row), FALSE);
  lia_store_worker_run (lia_application_get_worker (self->app), add_job, spec,
                        (GDestroyNotify) add_spec_free, (GDestroyNotify) lia_peer_free,
                        LIA_STORE_JOB_WRITES, NULL, self->cancellable, added_cb, self);
}

static void
add_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  add_peer (LIA_PEERS_WINDOW (widget), FALSE);
}

static void
code_activated_cb (LiaPeersWindow *self)
{
  add_peer (self, FALSE);
}

/* ---- verifying and removing ----------------------------------------------- */

typedef struct
{
  char    *peer;    /* fingerprint */
  gboolean remove;
  char    *by;
} PeerStep;

static void
peer_step_free (PeerStep *step)
{
  g_free (step->peer);
  g_free (step->by);
  g_free (step);
}

static gpointer
peer_step_job (LiaStore     *store,
               gpointer      user_data,
               GCancellable *cancellable,
               GError      **error)
{
  PeerStep *step = user_data;
  g_autoptr (LiaPeer) peer = lia_store_find_peer (store, step->peer, error);

  if (peer == NULL)
    return NULL;
  if (step->remove)
    return lia_store_revoke_peer (store, peer, error) ? LIA_STORE_JOB_DONE : NULL;
  return lia_store_verify_peer (store, peer, step->by, error) ? LIA_STORE_JOB_DONE : NULL;
}

static void
peer_step_done_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  LiaPeersWindow *self;
  g_autoptr (GError) error = NULL;

  if (lia_store_worker_run_finish (LIA_STORE_WORKER (source), result, &error) != NULL
      || lia_error_is_cancelled (error))
    return;
  self = LIA_PEERS_WINDOW (user_data);
  {
    g_autofree char *message = lia_error_describe (error);

    toast (self, message);
  }
}

static void
run_peer_step (LiaPeersWindow *self,
               const char     *fingerprint,
               gboolean        remove)
{
  PeerStep *step = g_new0 (PeerStep, 1);

  step->peer = g_strdup (fingerprint);
  step->remove = remove;
  step->by = g_strdup (lia_person_name ());
  lia_store_worker_run (lia_application_get_worker (self->app), peer_step_job, step,
                        (GDestroyNotify) peer_step_free, NULL, LIA_STORE_JOB_WRITES, NULL,
                        self->cancellable, peer_step_done_cb, self);
}

static const LiaPeer *
find_peer (LiaPeersWindow *self,
           const char     *fingerprint)
{
  for (guint i = 0; self->data != NULL && i < self->data->peers->len; i++)
    {
      const LiaPeer *peer = self->data->peers->pdata[i];

      if (g_strcmp0 (peer->org->fingerprint, fingerprint) == 0)
        return peer;
    }
  return NULL;
}

static void
verify_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  run_peer_step (LIA_PEERS_WINDOW (widget), g_variant_get_string (parameter, NULL), FALSE);
}

static void
remove_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    gpointer          user_data)
{
  LiaPeersWindow *self = user_data;

  if (g_str_equal (response, "remove"))
    run_peer_step (self, g_object_get_data (G_OBJECT (dialog), "fingerprint"), TRUE);
}

static void
remove_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  LiaPeersWindow *self = LIA_PEERS_WINDOW (widget);
  const char *fingerprint = g_variant_get_string (parameter, NULL);
  const LiaPeer *peer = find_peer (self, fingerprint);
  g_autofree char *heading = NULL;
  g_autofree char *body = NULL;
  GtkWidget *dialog;

  if (peer == NULL)
    return;
  heading = g_strdup_printf (_("Remove %s?"), peer->org->name);
  body = g_strdup_printf (_("From now on Liaison refuses every connection from %s and anything "
                            "it sends, and seals nothing more for it. What it has already "
                            "received stays with it, and what it shared stays here, with the "
                            "disclosure log. It can come back only with a new invite code, and "
                            "its safety number must then be compared again."),
                          peer->org->name);
  dialog = adw_message_dialog_new (GTK_WINDOW (self), heading, body);
  gtk_widget_set_name (dialog, "remove-peer-dialog");
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"), "remove",
                                    _("_Remove"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "remove",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "fingerprint", g_strdup (fingerprint), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (remove_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ---- sync ------------------------------------------------------------------ */

static const char *
status_text (LiaSyncPeerStatus status)
{
  switch (status)
    {
    case LIA_SYNC_PEER_CONNECTING:
      return _("Connecting…");
    case LIA_SYNC_PEER_SYNCING:
      return _("Syncing…");
    case LIA_SYNC_PEER_UP_TO_DATE:
      return _("Up to date");
    case LIA_SYNC_PEER_UNREACHABLE:
      return _("Unreachable");
    case LIA_SYNC_PEER_REFUSED:
      return _("Refused");
    default:
      return "";
    }
}

static const char *
status_class (LiaSyncPeerStatus status)
{
  switch (status)
    {
    case LIA_SYNC_PEER_UP_TO_DATE:
      return "met";
    case LIA_SYNC_PEER_UNREACHABLE:
      return "soon";
    case LIA_SYNC_PEER_REFUSED:
      return "overdue";
    case LIA_SYNC_PEER_CONNECTING:
    case LIA_SYNC_PEER_SYNCING:
    default:
      return "neutral";
    }
}

/* The sync row's words: when, what waits, and what went wrong with what
 * to do about it. */
static char *
sync_details (const LiaSyncPeerState *state)
{
  GString *text = g_string_new ("");

  if (state->last_sync != 0)
    {
      g_autofree char *when = lia_format_time (state->last_sync);

      g_string_append_printf (text, _("Last synced %s."), when);
    }
  else
    g_string_append (text, _("Not synced yet."));
  if (state->pending_out == 0)
    {
      g_string_append_c (text, ' ');
      g_string_append (text, _("Nothing waiting to go to it."));
    }
  else if (state->pending_out > 0)
    {
      g_string_append_c (text, ' ');
      g_string_append_printf (text, ngettext ("%lld item waiting to go to it.",
                                              "%lld items waiting to go to it.",
                                              (gulong) state->pending_out),
                              (long long) state->pending_out);
    }
  if (state->pending_in > 0)
    {
      g_string_append_c (text, ' ');
      g_string_append_printf (text, ngettext ("%lld item still to come from it.",
                                              "%lld items still to come from it.",
                                              (gulong) state->pending_in),
                              (long long) state->pending_in);
    }
  if (state->status == LIA_SYNC_PEER_UNREACHABLE)
    {
      g_string_append_c (text, '\n');
      g_string_append (text, _("Nothing answers at its address. Liaison keeps trying; check with "
                                "them that Liaison is open there and that the address in their "
                                "invite code is right."));
    }
  else if (state->status == LIA_SYNC_PEER_REFUSED)
    {
      g_string_append_c (text, '\n');
      g_string_append (text, _("It refused this organisation. Ask them to check that they added "
                                "this organisation’s invite code and have not removed it."));
    }
  if (state->last_error != NULL
      && (state->status == LIA_SYNC_PEER_UNREACHABLE || state->status == LIA_SYNC_PEER_REFUSED))
    g_string_append_printf (text, " (%s)", state->last_error);
  return g_string_free (text, FALSE);
}

static const LiaSyncPeerState *
find_state (GPtrArray  *states,
            const char *fingerprint)
{
  for (guint i = 0; states != NULL && i < states->len; i++)
    {
      const LiaSyncPeerState *state = states->pdata[i];

      if (g_strcmp0 (state->fingerprint, fingerprint) == 0)
        return state;
    }
  return NULL;
}

/* Shows each current peer's sync state in its row: the pill, and the
 * details beside "Sync now". */
static void
show_sync_states (LiaPeersWindow *self)
{
  LiaSyncService *sync = lia_application_get_sync (self->app);
  LiaSyncServiceStatus status = lia_sync_service_get_status (sync);
  g_autoptr (GPtrArray) live = lia_sync_service_dup_peer_states (sync);
  GPtrArray *states = live != NULL ? live : self->saved_states;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "peers.sync-now",
                                 status == LIA_SYNC_SERVICE_RUNNING);
  gtk_widget_remove_css_class (GTK_WIDGET (self->sync_status), "error");
  switch (status)
    {
    case LIA_SYNC_SERVICE_RUNNING:
      {
        g_autofree char *text = g_strdup_printf (_("Listening for peers at %s."),
                                                 lia_sync_service_get_listen_endpoint (sync));

        gtk_label_set_text (self->sync_status, text);
      }
      break;
    case LIA_SYNC_SERVICE_STARTING:
      gtk_label_set_text (self->sync_status, _("Starting to sync…"));
      break;
    case LIA_SYNC_SERVICE_FAILED:
      gtk_label_set_text (self->sync_status, lia_sync_service_get_error (sync));
      gtk_widget_add_css_class (GTK_WIDGET (self->sync_status), "error");
      break;
    case LIA_SYNC_SERVICE_STOPPED:
    default:
      gtk_label_set_text (self->sync_status, _("Not syncing."));
      break;
    }
  gtk_widget_set_visible (GTK_WIDGET (self->sync_status), TRUE);

  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->peers_list)); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    {
      GtkLabel *pill = g_object_get_data (G_OBJECT (row), "sync-pill");
      LiaInfoRow *sync_row = g_object_get_data (G_OBJECT (row), "sync-row");
      const LiaSyncPeerState *state;
      g_autofree char *details = NULL;

      if (pill == NULL)
        continue;
      state = find_state (states, g_object_get_data (G_OBJECT (row), "fingerprint"));
      gtk_widget_set_visible (GTK_WIDGET (pill), state != NULL);
      if (state == NULL)
        {
          lia_info_row_set_subtitle (sync_row, _("Not synced yet."));
          continue;
        }
      gtk_label_set_text (pill, status_text (state->status));
      for (guint i = LIA_SYNC_PEER_CONNECTING; i <= LIA_SYNC_PEER_REFUSED; i++)
        gtk_widget_remove_css_class (GTK_WIDGET (pill), status_class (i));
      gtk_widget_add_css_class (GTK_WIDGET (pill), status_class (state->status));
      details = sync_details (state);
      lia_info_row_set_subtitle (sync_row, details);
    }
}

static gpointer
saved_states_job (LiaStore     *store,
                  gpointer      user_data,
                  GCancellable *cancellable,
                  GError      **error)
{
  return lia_sync_dup_saved_peer_states (store, error);
}

static void
saved_states_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  LiaPeersWindow *self;
  g_autoptr (GError) error = NULL;
  GPtrArray *states = lia_store_worker_run_finish (LIA_STORE_WORKER (source), result, &error);

  if (lia_error_is_cancelled (error))
    return;
  self = LIA_PEERS_WINDOW (user_data);
  g_clear_pointer (&self->saved_states, g_ptr_array_unref);
  self->saved_states = states;
  if (states == NULL)
    g_warning ("Could not read the peers' last syncs: %s", error->message);
  show_sync_states (self);
}

static void
sync_status_cb (LiaPeersWindow *self)
{
  LiaSyncService *sync = lia_application_get_sync (self->app);

  /* Without the engine, how each sync last went is in the store. */
  if (lia_sync_service_get_status (sync) != LIA_SYNC_SERVICE_RUNNING)
    lia_store_worker_run (lia_application_get_worker (self->app), saved_states_job, NULL, NULL,
                          (GDestroyNotify) g_ptr_array_unref, LIA_STORE_JOB_READS, NULL,
                          self->cancellable, saved_states_cb, self);
  show_sync_states (self);
}

static void
sync_now_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  LiaPeersWindow *self = LIA_PEERS_WINDOW (widget);

  lia_sync_service_sync_now (lia_application_get_sync (self->app),
                             g_variant_get_string (parameter, NULL));
}

/* ---- the list -------------------------------------------------------------- */

static char *
digits_only (const char *text)
{
  GString *out = g_string_new ("");

  for (const char *p = text; *p != '\0'; p++)
    if (g_ascii_isdigit (*p))
      g_string_append_c (out, *p);
  return g_string_free (out, FALSE);
}

static void
compare_changed_cb (GtkEditable *entry,
                    gpointer     user_data)
{
  GtkLabel *label = user_data;
  const char *number = g_object_get_data (G_OBJECT (entry), "number");
  g_autofree char *theirs = digits_only (gtk_editable_get_text (entry));
  g_autofree char *ours = digits_only (number);

  gtk_widget_remove_css_class (GTK_WIDGET (label), "success");
  gtk_widget_remove_css_class (GTK_WIDGET (label), "error");
  if (*theirs == '\0')
    gtk_label_set_text (label, "");
  else if (g_str_equal (theirs, ours))
    {
      gtk_label_set_text (label, _("The numbers match."));
      gtk_widget_add_css_class (GTK_WIDGET (label), "success");
    }
  else if (strlen (theirs) < strlen (ours) && g_str_has_prefix (ours, theirs))
    gtk_label_set_text (label, _("So far the same…"));
  else
    {
      gtk_label_set_text (label, _("The numbers do not match. Do not mark it as verified: "
                                   "someone may be pretending to be this organisation. Check the "
                                   "invite code with them by phone."));
      gtk_widget_add_css_class (GTK_WIDGET (label), "error");
    }
}

/* The 60 digits as three lines of four groups, as both sides show them. */
static char *
number_lines (const char *number)
{
  g_auto (GStrv) groups = g_strsplit (number, " ", -1);
  GString *out = g_string_new ("");

  for (guint i = 0; groups[i] != NULL; i++)
    {
      if (i > 0)
        g_string_append (out, i % 4 == 0 ? "\n" : "   ");
      g_string_append (out, groups[i]);
    }
  return g_string_free (out, FALSE);
}

static GtkWidget *
peer_row (LiaPeersWindow *self,
          const LiaPeer  *peer,
          const char     *number)
{
  GtkWidget *row = adw_expander_row_new ();
  g_autoptr (GString) subtitle = g_string_new (lia_org_kind_label (peer->org->kind));
  g_autofree char *lines = number_lines (number);
  g_autofree char *endpoints = g_strjoinv ("\n", peer->endpoints);
  GtkWidget *number_box, *number_label, *number_caption, *compare, *match;
  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *actions;
  g_autofree char *caption = NULL;
  const char *expand = g_object_get_data (G_OBJECT (self), "expand");

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), peer->org->name);
  gtk_widget_set_name (row, "peer-row");
  if (peer->revoked_at != 0)
    {
      g_autofree char *when = lia_format_time (peer->revoked_at);

      g_string_append_printf (subtitle, _(" · removed %s"), when);
    }
  else if (peer->verified_at != 0)
    {
      g_autofree char *when = lia_format_time (peer->verified_at);

      /* Translators: who compared the safety number, and when */
      g_string_append_printf (subtitle, _(" · verified by %s, %s"),
                              peer->verified_by != NULL ? peer->verified_by : "", when);
    }
  else
    g_string_append (subtitle, _(" · not verified yet"));
  adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (row), subtitle->str);
  if (peer->revoked_at == 0)
    {
      GtkWidget *pill = lia_pill_new ("", "neutral");
      GtkWidget *sync_row = lia_info_row_new (_("Sync"), NULL);
      GtkWidget *sync_now = gtk_button_new_with_mnemonic (_("_Sync Now"));

      gtk_widget_set_name (pill, "peer-sync-state");
      gtk_widget_set_visible (pill, FALSE);
      adw_expander_row_add_action (ADW_EXPANDER_ROW (row), pill);
      gtk_widget_set_name (sync_row, "peer-sync");
      gtk_widget_set_name (sync_now, "peer-sync-now");
      gtk_widget_set_valign (sync_now, GTK_ALIGN_CENTER);
      gtk_actionable_set_action_name (GTK_ACTIONABLE (sync_now), "peers.sync-now");
      gtk_actionable_set_action_target (GTK_ACTIONABLE (sync_now), "s", peer->org->fingerprint);
      {
        /* Translators: the accessible name of a peer's Sync Now button */
        g_autofree char *label = g_strdup_printf (_("Sync with %s now"), peer->org->name);

        gtk_accessible_update_property (GTK_ACCESSIBLE (sync_now), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                        label, -1);
      }
      lia_info_row_add_suffix (LIA_INFO_ROW (sync_row), sync_now);
      adw_expander_row_add_row (ADW_EXPANDER_ROW (row), sync_row);
      g_object_set_data (G_OBJECT (row), "sync-pill", pill);
      g_object_set_data (G_OBJECT (row), "sync-row", sync_row);
    }
  if (peer->revoked_at == 0 && peer->verified_at == 0)
    adw_expander_row_add_action (ADW_EXPANDER_ROW (row),
                                 lia_pill_new (_("Not verified"), "soon"));
  else if (peer->revoked_at != 0)
    adw_expander_row_add_action (ADW_EXPANDER_ROW (row), lia_pill_new (_("Removed"), "neutral"));

  adw_expander_row_add_row (ADW_EXPANDER_ROW (row),
                            lia_info_row_new (_("Identity fingerprint"), peer->org->fingerprint));
  adw_expander_row_add_row (ADW_EXPANDER_ROW (row),
                            lia_info_row_new (_("Addresses"), *endpoints != '\0'
                                                                ? endpoints
                                                                : _("None given")));

  /* The safety number, large, beside a place to type what they read. */
  number_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_widget_set_margin_top (number_box, 12);
  gtk_widget_set_margin_bottom (number_box, 12);
  gtk_widget_set_margin_start (number_box, 12);
  gtk_widget_set_margin_end (number_box, 12);
  caption = g_strdup_printf (_("Safety number. Compare it with the one %s sees for this "
                               "organisation, read aloud or side by side: they must be the "
                               "same."),
                             peer->org->name);
  number_caption = gtk_label_new (caption);
  gtk_label_set_wrap (GTK_LABEL (number_caption), TRUE);
  gtk_label_set_xalign (GTK_LABEL (number_caption), 0);
  gtk_widget_add_css_class (number_caption, "dim-label");
  number_label = gtk_label_new (lines);
  gtk_label_set_selectable (GTK_LABEL (number_label), TRUE);
  gtk_widget_add_css_class (number_label, "safety-number");
  gtk_widget_add_css_class (number_label, "monospace");
  gtk_widget_set_name (number_label, "safety-number");
  gtk_accessible_update_property (GTK_ACCESSIBLE (number_label), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  number, -1);
  compare = gtk_entry_new ();
  gtk_entry_set_placeholder_text (GTK_ENTRY (compare), _("Type the number they read out "
                                                         "(optional)"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (compare), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Their safety number"), -1);
  gtk_widget_set_name (compare, "safety-number-compare");
  g_object_set_data_full (G_OBJECT (compare), "number", g_strdup (number), g_free);
  match = gtk_label_new (NULL);
  gtk_label_set_wrap (GTK_LABEL (match), TRUE);
  gtk_label_set_xalign (GTK_LABEL (match), 0);
  g_signal_connect (compare, "changed", G_CALLBACK (compare_changed_cb), match);
  gtk_box_append (GTK_BOX (number_box), number_caption);
  gtk_box_append (GTK_BOX (number_box), number_label);
  gtk_box_append (GTK_BOX (number_box), compare);
  gtk_box_append (GTK_BOX (number_box), match);
  {
    GtkWidget *holder = gtk_list_box_row_new ();

    gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (holder), FALSE);
    gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (holder), number_box);
    adw_expander_row_add_row (ADW_EXPANDER_ROW (row), holder);
  }

  if (peer->revoked_at == 0)
    {
      GtkWidget *verify = gtk_button_new_with_mnemonic (peer->verified_at != 0
                                                          ? _("_Verified again")
                                                          : _("_Mark as verified"));
      GtkWidget *remove = gtk_button_new_with_mnemonic (_("_Remove…"));

      gtk_widget_set_name (verify, "peer-verify");
      gtk_widget_set_name (remove, "peer-remove");
      gtk_actionable_set_action_name (GTK_ACTIONABLE (verify), "peers.verify");
      gtk_actionable_set_action_target (GTK_ACTIONABLE (verify), "s", peer->org->fingerprint);
      gtk_actionable_set_action_name (GTK_ACTIONABLE (remove), "peers.remove");
      gtk_actionable_set_action_target (GTK_ACTIONABLE (remove), "s", peer->org->fingerprint);
      gtk_widget_add_css_class (verify, "suggested-action");
      gtk_widget_add_css_class (remove, "destructive-action");
      gtk_widget_set_valign (verify, GTK_ALIGN_CENTER);
      gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
      gtk_box_append (GTK_BOX (buttons), verify);
      gtk_box_append (GTK_BOX (buttons), remove);
      actions = adw_action_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (actions),
                                     peer->verified_at != 0 ? _("The numbers were compared")
                                                            : _("Once the numbers match"));
      adw_action_row_add_suffix (ADW_ACTION_ROW (actions), buttons);
      adw_expander_row_add_row (ADW_EXPANDER_ROW (row), actions);
    }
  else
    g_object_unref (g_object_ref_sink (buttons));

  g_object_set_data_full (G_OBJECT (row), "fingerprint", g_strdup (peer->org->fingerprint),
                          g_free);
  if ((expand != NULL && g_str_equal (expand, peer->org->name))
      || (self->expanded != NULL && g_hash_table_contains (self->expanded, peer->org->fingerprint)))
    adw_expander_row_set_expanded (ADW_EXPANDER_ROW (row), TRUE);
  return row;
}

static void
loaded_cb (gpointer      result,
           const GError *error,
           gpointer      user_data)
{
  LiaPeersWindow *self = user_data;
  guint current = 0;

  peers_free (self->data);
  self->data = result;
  /* The rows open now stay open in the new list. */
  g_clear_pointer (&self->expanded, g_hash_table_unref);
  self->expanded = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->peers_list)); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    if (ADW_IS_EXPANDER_ROW (row) && adw_expander_row_get_expanded (ADW_EXPANDER_ROW (row)))
      g_hash_table_add (self->expanded, g_strdup (g_object_get_data (G_OBJECT (row), "fingerprint")));
  lia_list_box_clear (self->peers_list);
  if (self->data == NULL)
    {
      g_autofree char *message = lia_error_describe (error);

      gtk_label_set_text (self->peers_status, message);
      return;
    }
  for (guint i = 0; i < self->data->peers->len; i++)
    {
      const LiaPeer *peer = self->data->peers->pdata[i];

      if (peer->revoked_at == 0)
        current++;
      gtk_list_box_append (self->peers_list, peer_row (self, peer, self->data->numbers->pdata[i]));
    }
  if (self->data->peers->len == 0)
    gtk_label_set_text (self->peers_status, _("No peers yet. Exchange invite codes with the "
                                              "organisations you work with."));
  else
    {
      g_autofree char *text = g_strdup_printf (ngettext ("%u current peer.",
                                                         "%u current peers.", current),
                                               current);

      gtk_label_set_text (self->peers_status, text);
    }
  g_object_set_data (G_OBJECT (self), "expand", NULL);
  show_sync_states (self);
}

/* ---- the window ------------------------------------------------------------ */

static void
lia_peers_window_dispose (GObject *object)
{
  LiaPeersWindow *self = LIA_PEERS_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  if (self->loader != NULL)
    lia_loader_cancel (self->loader);
  g_clear_object (&self->loader);
  gtk_widget_dispose_template (GTK_WIDGET (self), LIA_TYPE_PEERS_WINDOW);
  G_OBJECT_CLASS (lia_peers_window_parent_class)->dispose (object);
}

static void
lia_peers_window_finalize (GObject *object)
{
  LiaPeersWindow *self = LIA_PEERS_WINDOW (object);

  peers_free (self->data);
  g_clear_pointer (&self->saved_states, g_ptr_array_unref);
  g_free (self->invite);
  g_clear_pointer (&self->expanded, g_hash_table_unref);
  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (lia_peers_window_parent_class)->finalize (object);
}

static void
lia_peers_window_class_init (LiaPeersWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lia_peers_window_dispose;
  object_class->finalize = lia_peers_window_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/uk/liaison/Liaison/ui/lia-peers-window.ui");
  gtk_widget_class_bind_template_child (widget_class, LiaPeersWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, LiaPeersWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, LiaPeersWindow, qr_picture);
  gtk_widget_class_bind_template_child (widget_class, LiaPeersWindow, invite_label);
  gtk_widget_class_bind_template_child (widget_class, LiaPeersWindow, invite_status);
  gtk_widget_class_bind_template_child (widget_class, LiaPeersWindow, code_row);
  gtk_widget_class_bind_template_child (widget_class, LiaPeersWindow, add_error_label);
  gtk_widget_class_bind_template_child (widget_class, LiaPeersWindow, peers_status);
  gtk_widget_class_bind_template_child (widget_class, LiaPeersWindow, sync_status);
  gtk_widget_class_bind_template_child (widget_class, LiaPeersWindow, peers_list);
  gtk_widget_class_bind_template_callback (widget_class, code_activated_cb);

  gtk_widget_class_install_action (widget_class, "peers.copy-invite", NULL, copy_invite_action);
  gtk_widget_class_install_action (widget_class, "peers.new-invite", NULL, new_invite_action);
  gtk_widget_class_install_action (widget_class, "peers.add", NULL, add_action);
  gtk_widget_class_install_action (widget_class, "peers.verify", "s", verify_action);
  gtk_widget_class_install_action (widget_class, "peers.remove", "s", remove_action);
  gtk_widget_class_install_action (widget_class, "peers.sync-now", "s", sync_now_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
lia_peers_window_init (LiaPeersWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
}

void
lia_peers_window_present (LiaApplication *application,
                          GtkWidget      *parent)
{
  GtkRoot *root = gtk_widget_get_root (parent);
  LiaPeersWindow *self;
  LiaStoreWorker *worker = lia_application_get_worker (application);

  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (application)); l; l = l->next)
    if (LIA_IS_PEERS_WINDOW (l->data))
      {
        gtk_window_present (l->data);
        return;
      }

  self = g_object_new (LIA_TYPE_PEERS_WINDOW, "application", application, NULL);
  self->app = application;
  if (GTK_IS_WINDOW (root))
    gtk_window_set_transient_for (GTK_WINDOW (self), GTK_WINDOW (root));
  adw_window_title_set_subtitle (self->window_title, lia_store_worker_get_org_name (worker));
  self->loader = lia_loader_new (worker, NULL, load_job, NULL, NULL, (GDestroyNotify) peers_free,
                                 loaded_cb, self);
  lia_loader_load (self->loader);
  g_signal_connect_object (lia_application_get_sync (application), "peer-state-changed",
                           G_CALLBACK (show_sync_states), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (lia_application_get_sync (application), "notify::status",
                           G_CALLBACK (sync_status_cb), self, G_CONNECT_SWAPPED);
  sync_status_cb (self);
  make_invite (self);
  gtk_window_present (GTK_WINDOW (self));
}
