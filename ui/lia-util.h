/* lia-util.h: small helpers that the window's classes share.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "lia-identity.h"
#include "lia-store-worker.h"

G_BEGIN_DECLS

/* Translated labels for what the layers below name in English (their
 * labels are looked up in Liaison's catalogue as they are). */
const char *lia_org_kind_label (LiaOrgKind kind);
#define lia_tr(text) g_dgettext (GETTEXT_PACKAGE, (text))

/* @text with its first letter in lower case, for the middle of a
 * sentence ("Chronology entry" → "chronology entry"), unless it starts
 * with an abbreviation ("IOPC ..."). */
char       *lia_lower_first (const char *text);

/* A person's words for a field's choice ("in-progress" is "In progress"). */
const char *lia_choice_label (const char *value);

/* Reads a date as people type it: 2026-06-12, 12/06/2026 or 12/6/2026;
 * with @with_time, a time may follow ("2026-06-12 14:30", "12/06/2026
 * 14:30", or ISO 8601's "2026-06-12T14:30"). Returns the ISO form
 * (YYYY-MM-DD or YYYY-MM-DDTHH:MM), or NULL with a message that says how
 * to type it. */
char       *lia_parse_user_date (const char *text,
                                 gboolean    with_time,
                                 GError    **error);

/* A date for people: "12 June 2026"; an invalid date gives "". */
char       *lia_format_date (const GDate *date);
/* "2026-06-12" or "2026-06-12T14:30" as "12 June 2026" or
 * "12 June 2026, 14:30"; anything else as it is. */
char       *lia_format_date_text (const char *text);
/* A time (Unix seconds) for people, in local time: "12 June 2026, 14:30". */
char       *lia_format_time (gint64 unix_seconds);

/* Asks where to save a file with a save dialog (through the portal when
 * sandboxed), suggesting @name; calls @callback with the chosen GFile, or
 * not at all if the person cancels. @user_data is freed with
 * @user_data_free when the dialog goes, either way. */
typedef void (*LiaSaveFunc) (GFile   *file,
                             gpointer user_data);
void        lia_choose_save_file (GtkWidget     *parent,
                                  const char    *title,
                                  const char    *suggested_name,
                                  LiaSaveFunc    callback,
                                  gpointer       user_data,
                                  GDestroyNotify user_data_free);

/* Writes @file with @write, replacing it only once the writing has
 * succeeded (a failed export leaves the old file, or none); the file is
 * made private to its owner. */
typedef gboolean (*LiaWriteFunc) (GOutputStream *out,
                                  gpointer       data,
                                  GCancellable  *cancellable,
                                  GError       **error);
gboolean    lia_write_file (GFile        *file,
                            LiaWriteFunc  write,
                            gpointer      data,
                            GCancellable *cancellable,
                            GError      **error);

/* An export: writes to @out what @data names, counting its rows; on the
 * store's thread. */
typedef gboolean (*LiaExportFunc) (LiaStore      *store,
                                   gpointer       data,
                                   GOutputStream *out,
                                   guint         *out_rows,
                                   GCancellable  *cancellable,
                                   GError       **error);
/* The words for a finished export of @rows rows. */
typedef char    *(*LiaExportMessageFunc) (guint rows);

/* Asks where to save (lia_choose_save_file), then runs @func into that
 * file on the store's thread (lia_write_file) and says how it went with a
 * toast on @parent's window. @data is freed with @data_free. */
void        lia_export_to_file (GtkWidget           *parent,
                                LiaStoreWorker      *worker,
                                const char          *title,
                                const char          *suggested_name,
                                LiaExportFunc        func,
                                gpointer             data,
                                GDestroyNotify       data_free,
                                LiaExportMessageFunc message);

/* A port on 127.0.0.1 that nothing listens on now (for nodes on this
 * machine: the demonstration's, the tests'); 0 with @error if there is
 * none. */
guint       lia_free_loopback_port (GError **error);

/* Shows @message where the person is looking: a toast on the window that
 * holds @widget. */
void        lia_show_toast (GtkWidget  *widget,
                            const char *message);

/* Sets @label to @error's description and shows it; NULL hides it. */
void        lia_show_error_label (GtkLabel     *label,
                                  const GError *error);

/* Removes every row of @list_box. */
void        lia_list_box_clear (GtkListBox *list_box);

/* Work that can wait a frame: called with @data at the start of the
 * frame after @widget's next one, so that the next frame is painted
 * without it. Opening a page is often two costly frames' worth of work
 * (a new area painted, then a page of text laid out); in one frame they
 * make a stall, one after the other they do not. Called at once if
 * @widget is not mapped (it has no frames to wait for). Returns an id for
 * lia_after_next_frame_cancel(), or 0 when it was called at once.
 * @destroy frees @data either way. */
typedef void (*LiaFrameFunc) (gpointer data);

guint       lia_after_next_frame        (GtkWidget      *widget,
                                         LiaFrameFunc    func,
                                         gpointer        data,
                                         GDestroyNotify  destroy);
/* Cancels the call if it has not happened (a zero id is ignored) and sets
 * *@id to 0. */
void        lia_after_next_frame_cancel (GtkWidget *widget,
                                         guint     *id);

/* A small rounded label for a state ("Overdue", "Met"), styled by
 * @css_class ("overdue", "soon", "later", "met", "neutral"). */
GtkWidget  *lia_pill_new (const char *text,
                          const char *css_class);

/* The style class for a milestone state. */
const char *lia_milestone_css_class (int state);

/* The name of the person using Liaison, for "by" in decisions and the
 * log: their real name, else their login. */
const char *lia_person_name (void);

/* Removes @path and everything under it (without following symbolic
 * links), as far as it can. */
void        lia_remove_tree (const char *path);

/* A file name made of @stem and @case_title, safe on every file system
 * ("chronology-Child A.csv"). */
char       *lia_export_file_name (const char *stem,
                                  const char *case_title,
                                  const char *extension);

G_END_DECLS
