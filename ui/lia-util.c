/* lia-util.c: small helpers that the window's classes share.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <adwaita.h>
#include <glib/gstdio.h>
#include <glib/gi18n.h>

#include "lia-calendar.h"
#include "lia-deadlines.h"
#include "lia-errors.h"
#include "lia-util.h"

const char *
lia_org_kind_label (LiaOrgKind kind)
{
  switch (kind)
    {
    case LIA_ORG_KIND_LOCAL_AUTHORITY:
      return _("Local authority");
    case LIA_ORG_KIND_ICB:
      return _("Integrated care board");
    case LIA_ORG_KIND_POLICE:
      return _("Police force");
    case LIA_ORG_KIND_IOPC:
      return _("IOPC investigation team");
    case LIA_ORG_KIND_AGENCY:
    default:
      return _("Other agency");
    }
}

static const struct
{
  const char *value;
  const char *label;
} choice_labels[] = {
  { "standard", N_("Standard") },
  { "sensitive", N_("Sensitive") },
  { "secret", N_("Secret") },
  { "yes", N_("Yes") },
  { "no", N_("No") },
  { "unclear", N_("Unclear") },
  { "rapid-review", N_("Rapid review") },
  { "lcspr", N_("LCSPR") },
  { "iopc", N_("IOPC investigation") },
  { "draft", N_("Draft") },
  { "final", N_("Final") },
  { "prejudice", N_("Prejudice to proceedings") },
  { "accuracy", N_("Accuracy") },
  { "reporting-restrictions", N_("Reporting restrictions") },
  { "open", N_("Open") },
  { "in-progress", N_("In progress") },
  { "done", N_("Done") },
  { "cancelled", N_("Cancelled") },
  { "serious-harm", N_("Serious harm") },
  { "death", N_("Death") },
  { "other", N_("Other") },
  { "closed", N_("Closed") },
  { "no-further-action", N_("No further action") },
  { "national-review", N_("National review") },
  { "independent", N_("Independent") },
  { "directed", N_("Directed") },
  { "local", N_("Local") },
  { "complaint", N_("Complaint") },
  { "conduct", N_("Conduct") },
  { "death-or-serious-injury", N_("Death or serious injury") },
  { "assessing", N_("Assessing") },
  { "investigating", N_("Investigating") },
  { "final-report", N_("Final report") },
  { "concluded", N_("Concluded") },
  { "none", N_("None") },
  { "pending", N_("Pending") },
  { "active", N_("Active") },
};

char *
lia_lower_first (const char *text)
{
  const char *next;
  char first[8];
  int n;

  if (text == NULL || *text == '\0')
    return g_strdup ("");
  next = g_utf8_next_char (text);
  if (*next != '\0' && g_unichar_isupper (g_utf8_get_char (next)))
    return g_strdup (text);
  n = g_unichar_to_utf8 (g_unichar_tolower (g_utf8_get_char (text)), first);
  first[n] = '\0';
  return g_strconcat (first, next, NULL);
}

const char *
lia_choice_label (const char *value)
{
  if (value == NULL)
    return "";
  for (guint i = 0; i < G_N_ELEMENTS (choice_labels); i++)
    if (g_str_equal (choice_labels[i].value, value))
      return _(choice_labels[i].label);
  return value;
}

static gboolean
parse_time (const char *text,
            int        *hour,
            int        *minute)
{
  if (!g_ascii_isdigit (text[0]))
    return FALSE;
  if (g_ascii_isdigit (text[1]) && text[2] == ':' && g_ascii_isdigit (text[3])
      && g_ascii_isdigit (text[4]) && text[5] == '\0')
    {
      *hour = (text[0] - '0') * 10 + (text[1] - '0');
      *minute = (text[3] - '0') * 10 + (text[4] - '0');
    }
  else if (text[1] == ':' && g_ascii_isdigit (text[2]) && g_ascii_isdigit (text[3])
           && text[4] == '\0')
    {
      *hour = text[0] - '0';
      *minute = (text[2] - '0') * 10 + (text[3] - '0');
    }
  else
    return FALSE;
  return *hour < 24 && *minute < 60;
}

char *
lia_parse_user_date (const char *text,
                     gboolean    with_time,
                     GError    **error)
{
  g_autofree char *copy = g_strstrip (g_strdup (text != NULL ? text : ""));
  char *time_part = NULL;
  int hour = -1, minute = -1;
  GDate date;
  char *sep;

  g_date_clear (&date, 1);
  /* The time, if any, after a space or ISO 8601's T. */
  sep = strpbrk (copy, " T");
  if (sep != NULL)
    {
      *sep = '\0';
      time_part = g_strstrip (sep + 1);
    }
  if (strchr (copy, '/') != NULL)
    {
      g_auto (GStrv) parts = g_strsplit (copy, "/", -1);
      guint64 d, m, y;

      if (g_strv_length (parts) == 3
          && g_ascii_string_to_unsigned (parts[0], 10, 1, 31, &d, NULL)
          && g_ascii_string_to_unsigned (parts[1], 10, 1, 12, &m, NULL)
          && g_ascii_string_to_unsigned (parts[2], 10, 1000, 9999, &y, NULL)
          && g_date_valid_dmy ((GDateDay) d, (GDateMonth) m, (GDateYear) y))
        g_date_set_dmy (&date, (GDateDay) d, (GDateMonth) m, (GDateYear) y);
    }
  else
    lia_date_parse (copy, &date, NULL);

  if (!g_date_valid (&date)
      || (time_part != NULL && (!with_time || !parse_time (time_part, &hour, &minute))))
    {
      if (with_time)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                     _("“%s” is not a date and time Liaison can read. Type it as 12/06/2026 "
                       "14:30 or 2026-06-12 14:30; the time may be left out."),
                     text);
      else
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                     _("“%s” is not a date Liaison can read. Type it as 12/06/2026 or "
                       "2026-06-12, or choose it from the calendar."),
                     text);
      return NULL;
    }
  {
    g_autofree char *iso = lia_date_format (&date);

    if (hour >= 0)
      return g_strdup_printf ("%sT%02d:%02d", iso, hour, minute);
    return g_steal_pointer (&iso);
  }
}

char *
lia_format_date (const GDate *date)
{
  char buffer[128];

  if (date == NULL || !g_date_valid (date))
    return g_strdup ("");
  /* Translators: a date, as in "12 June 2026"; see strftime(3) */
  if (g_date_strftime (buffer, sizeof buffer, _("%-d %B %Y"), date) == 0)
    return lia_date_format (date);
  return g_strdup (buffer);
}

char *
lia_format_date_text (const char *text)
{
  g_autofree char *day = NULL;
  GDate date;

  if (text == NULL)
    return g_strdup ("");
  day = g_strndup (text, 10);
  if (!lia_date_parse (day, &date, NULL))
    return g_strdup (text);
  if (strlen (text) == 16 && text[10] == 'T')
    {
      g_autofree char *formatted = lia_format_date (&date);

      /* Translators: a date and a time of day, as in "12 June 2026, 14:30" */
      return g_strdup_printf (_("%s, %s"), formatted, text + 11);
    }
  return lia_format_date (&date);
}

char *
lia_format_time (gint64 unix_seconds)
{
  g_autoptr (GDateTime) utc = g_date_time_new_from_unix_utc (unix_seconds);
  g_autoptr (GDateTime) local = NULL;

  if (utc == NULL)
    return g_strdup ("");
  local = g_date_time_to_local (utc);
  /* Translators: a date and time, as in "12 June 2026, 14:30"; see
   * g_date_time_format() */
  return g_date_time_format (local, _("%-d %B %Y, %H:%M"));
}

typedef struct
{
  LiaSaveFunc    callback;
  gpointer       user_data;
  GDestroyNotify user_data_free;
} SaveData;

static void
save_response_cb (GtkNativeDialog *dialog,
                  int              response,
                  gpointer         user_data)
{
  SaveData *data = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));

      if (file != NULL)
        data->callback (file, data->user_data);
    }
  if (data->user_data_free != NULL)
    data->user_data_free (data->user_data);
  g_free (data);
  g_object_unref (dialog);
}

void
lia_choose_save_file (GtkWidget  *parent,
                      const char *title,
                      const char *suggested_name,
                      LiaSaveFunc    callback,
                      gpointer       user_data,
                      GDestroyNotify user_data_free)
{
  GtkRoot *root = gtk_widget_get_root (parent);
  GtkFileChooserNative *dialog;
  SaveData *data = g_new0 (SaveData, 1);

  data->callback = callback;
  data->user_data = user_data;
  data->user_data_free = user_data_free;
  /* GtkFileChooserNative (GTK 4.8 has no GtkFileDialog): in a Flatpak it
   * goes through the file chooser portal, so the sandbox needs no access
   * to the home folder. */
  dialog = gtk_file_chooser_native_new (title, GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                        GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), suggested_name);
  g_signal_connect (dialog, "response", G_CALLBACK (save_response_cb), data);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

gboolean
lia_write_file (GFile        *file,
                LiaWriteFunc  write,
                gpointer      data,
                GCancellable *cancellable,
                GError      **error)
{
  g_autoptr (GFileOutputStream) out = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_PRIVATE,
                                                      cancellable, error);

  if (out == NULL)
    return FALSE;
  if (!write (G_OUTPUT_STREAM (out), data, cancellable, error))
    {
      g_autoptr (GCancellable) discard = g_cancellable_new ();

      /* Closing with a cancelled cancellable throws the new file away. */
      g_cancellable_cancel (discard);
      g_output_stream_close (G_OUTPUT_STREAM (out), discard, NULL);
      return FALSE;
    }
  return g_output_stream_close (G_OUTPUT_STREAM (out), cancellable, error);
}

void
lia_show_toast (GtkWidget  *widget,
                const char *message)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (widget, ADW_TYPE_TOAST_OVERLAY);
  AdwToast *toast;

  if (overlay == NULL)
    {
      g_message ("%s", message);
      return;
    }
  toast = adw_toast_new (message);
  adw_toast_set_timeout (toast, 6);
  adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), toast);
}

void
lia_show_error_label (GtkLabel     *label,
                      const GError *error)
{
  if (error == NULL)
    {
      gtk_label_set_text (label, "");
      gtk_widget_set_visible (GTK_WIDGET (label), FALSE);
      return;
    }
  {
    g_autofree char *message = lia_error_describe (error);

    gtk_label_set_text (label, message);
    gtk_widget_set_visible (GTK_WIDGET (label), TRUE);
    /* Screen readers announce an error as it appears. */
    gtk_accessible_update_property (GTK_ACCESSIBLE (label), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                    message, -1);
  }
}

char *
lia_export_file_name (const char *stem,
                      const char *case_title,
                      const char *extension)
{
  g_autofree char *title = g_strdup (case_title != NULL ? case_title : "");

  /* Characters that some file systems refuse, or that a shell misreads. */
  g_strdelimit (title, "/\\:*?\"<>|\n\r\t", '-');
  if (*title == '\0')
    return g_strdup_printf ("%s.%s", stem, extension);
  return g_strdup_printf ("%s-%s.%s", stem, title, extension);
}

void
lia_list_box_clear (GtkListBox *list_box)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list_box))) != NULL)
    gtk_list_box_remove (list_box, child);
}

typedef struct
{
  LiaFrameFunc   func;
  gpointer       data;
  GDestroyNotify destroy;
  gboolean       next_frame_started;
} AfterFrame;

static void
after_frame_free (gpointer p)
{
  AfterFrame *after = p;

  if (after->destroy != NULL)
    after->destroy (after->data);
  g_free (after);
}

/* A tick callback runs at the start of each frame: its first run is the
 * next frame, which is then painted; its second is the one after. */
static gboolean
after_frame_tick_cb (GtkWidget     *widget,
                     GdkFrameClock *clock,
                     gpointer       user_data)
{
  AfterFrame *after = user_data;

  if (!after->next_frame_started)
    {
      after->next_frame_started = TRUE;
      return G_SOURCE_CONTINUE;
    }
  after->func (after->data);
  return G_SOURCE_REMOVE;
}

guint
lia_after_next_frame (GtkWidget      *widget,
                      LiaFrameFunc    func,
                      gpointer        data,
                      GDestroyNotify  destroy)
{
  AfterFrame *after;

  g_return_val_if_fail (GTK_IS_WIDGET (widget), 0);
  g_return_val_if_fail (func != NULL, 0);

  if (!gtk_widget_get_mapped (widget))
    {
      func (data);
      if (destroy != NULL)
        destroy (data);
      return 0;
    }
  after = g_new0 (AfterFrame, 1);
  after->func = func;
  after->data = data;
  after->destroy = destroy;
  return gtk_widget_add_tick_callback (widget, after_frame_tick_cb, after, after_frame_free);
}

void
lia_after_next_frame_cancel (GtkWidget *widget,
                             guint     *id)
{
  g_return_if_fail (GTK_IS_WIDGET (widget));
  g_return_if_fail (id != NULL);

  if (*id != 0)
    gtk_widget_remove_tick_callback (widget, *id);
  *id = 0;
}

GtkWidget *
lia_pill_new (const char *text,
              const char *css_class)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_widget_add_css_class (label, "badge");
  if (css_class != NULL)
    gtk_widget_add_css_class (label, css_class);
  gtk_widget_set_valign (label, GTK_ALIGN_CENTER);
  return label;
}

const char *
lia_milestone_css_class (int state)
{
  switch ((LiaMilestoneState) state)
    {
    case LIA_MILESTONE_OVERDUE:
      return "overdue";
    case LIA_MILESTONE_DUE:
      return "soon";
    case LIA_MILESTONE_MET:
      return "met";
    case LIA_MILESTONE_MET_LATE:
      return "late";
    case LIA_MILESTONE_AWAITING:
    case LIA_MILESTONE_NOT_APPLICABLE:
    default:
      return "neutral";
    }
}

const char *
lia_person_name (void)
{
  const char *name = g_get_real_name ();

  if (name == NULL || *name == '\0' || g_str_equal (name, "Unknown"))
    name = g_get_user_name ();
  return name;
}

void
lia_remove_tree (const char *path)
{
  g_autoptr (GDir) dir = NULL;
  const char *name;

  if (path == NULL)
    return;
  dir = g_dir_open (path, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        lia_remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

guint
lia_free_loopback_port (GError **error)
{
  g_autoptr (GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                             G_SOCKET_PROTOCOL_TCP, error);
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) bound = NULL;

  if (socket == NULL || !g_socket_bind (socket, any, FALSE, error))
    return 0;
  bound = g_socket_get_local_address (socket, error);
  if (bound == NULL)
    return 0;
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

/* ---- exports ----------------------------------------------------------------- */

typedef struct
{
  GtkWidget           *parent;     /* owned reference */
  LiaStoreWorker      *worker;     /* owned reference */
  LiaExportFunc        func;
  gpointer             data;       /* owned, freed with data_free */
  GDestroyNotify       data_free;
  LiaExportMessageFunc message;
  GFile               *file;       /* owned, once chosen */
  guint                rows;
} Export;

static void
export_clear (gpointer user_data)
{
  Export *export = user_data;

  g_clear_object (&export->parent);
  g_clear_object (&export->worker);
  if (export->data_free != NULL && export->data != NULL)
    export->data_free (export->data);
  g_clear_object (&export->file);
}

static void
export_release (gpointer export)
{
  g_rc_box_release_full (export, export_clear);
}

typedef struct
{
  Export   *export;
  LiaStore *store;
} ExportWrite;

static gboolean
export_write (GOutputStream *out,
              gpointer       user_data,
              GCancellable  *cancellable,
              GError       **error)
{
  ExportWrite *w = user_data;

  return w->export->func (w->store, w->export->data, out, &w->export->rows, cancellable, error);
}

static gpointer
export_job (LiaStore     *store,
            gpointer      user_data,
            GCancellable *cancellable,
            GError      **error)
{
  Export *export = user_data;
  ExportWrite w = { export, store };

  return lia_write_file (export->file, export_write, &w, cancellable, error) ? LIA_STORE_JOB_DONE
                                                                             : NULL;
}

static void
exported_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Export *export = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;

  if (lia_store_worker_run_finish (LIA_STORE_WORKER (source), result, &error) != NULL)
    text = export->message (export->rows);
  else
    text = lia_error_describe (error);
  lia_show_toast (export->parent, text);
  export_release (export);
}

static void
export_chosen_cb (GFile   *file,
                  gpointer user_data)
{
  Export *export = user_data;

  export->file = g_object_ref (file);
  /* The job only borrows the export; the callback releases the reference
   * taken here. */
  lia_store_worker_run (export->worker, export_job, export, NULL, NULL, LIA_STORE_JOB_READS, NULL,
                        NULL, exported_cb, g_rc_box_acquire (export));
}

void
lia_export_to_file (GtkWidget           *parent,
                    LiaStoreWorker      *worker,
                    const char          *title,
                    const char          *suggested_name,
                    LiaExportFunc        func,
                    gpointer             data,
                    GDestroyNotify       data_free,
                    LiaExportMessageFunc message)
{
  Export *export = g_rc_box_new0 (Export);

  export->parent = g_object_ref (parent);
  export->worker = g_object_ref (worker);
  export->func = func;
  export->data = data;
  export->data_free = data_free;
  export->message = message;
  /* The chooser holds one reference, dropped when it goes whether or not
   * a file was chosen; a running export holds another. */
  lia_choose_save_file (parent, title, suggested_name, export_chosen_cb, export, export_release);
}
