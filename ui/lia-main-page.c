/* lia-main-page.c: the cases, while the store is unlocked.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "lia-backup-dialog.h"
#include "lia-case-list.h"
#include "lia-case-view.h"
#include "lia-main-page.h"
#include "lia-new-case-dialog.h"
#include "lia-peers-window.h"
#include "lia-util.h"

struct _LiaMainPage
{
  AdwBin          parent_instance;

  LiaApplication *app;        /* borrowed */
  LiaCaseList    *case_list;  /* borrowed: in case_list_bin */

  AdwLeaflet     *leaflet;
  AdwWindowTitle *sidebar_title;
  AdwBin         *case_list_bin;
  GtkStack       *content_stack;
  AdwBin         *case_bin;
};

G_DEFINE_FINAL_TYPE (LiaMainPage, lia_main_page, ADW_TYPE_BIN)

static void
show_case (LiaMainPage *self,
           const char  *case_id)
{
  GtkWidget *current = adw_bin_get_child (self->case_bin);
  LiaCaseView *view;

  if (LIA_IS_CASE_VIEW (current)
      && g_strcmp0 (lia_case_view_get_case_id (LIA_CASE_VIEW (current)), case_id) == 0)
    view = LIA_CASE_VIEW (current);
  else
    {
      view = lia_case_view_new (self->app, case_id);
      g_object_bind_property (self->leaflet, "folded", view, "show-back-button",
                              G_BINDING_SYNC_CREATE);
      adw_bin_set_child (self->case_bin, GTK_WIDGET (view));
    }
  gtk_stack_set_visible_child_name (self->content_stack, "case");
  adw_leaflet_set_visible_child (self->leaflet, GTK_WIDGET (self->content_stack));
}

static void
case_selected_cb (LiaCaseList *list,
                  const char  *case_id,
                  gpointer     user_data)
{
  show_case (user_data, case_id);
}

static void
case_created_cb (const char *case_id,
                 gpointer    user_data)
{
  lia_main_page_open_case (user_data, case_id);
}

static void
new_case_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  LiaMainPage *self = LIA_MAIN_PAGE (widget);

  lia_new_case_dialog_present (self->app, widget, case_created_cb, self);
}

static void
back_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  LiaMainPage *self = LIA_MAIN_PAGE (widget);

  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

static void
peers_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  LiaMainPage *self = LIA_MAIN_PAGE (widget);

  lia_peers_window_present (self->app, widget);
}

static void
backup_identity_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  LiaMainPage *self = LIA_MAIN_PAGE (widget);

  lia_backup_dialog_present (self->app, widget);
}

static void
search_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  LiaMainPage *self = LIA_MAIN_PAGE (widget);

  adw_leaflet_set_visible_child (self->leaflet,
                                 gtk_widget_get_parent (GTK_WIDGET (self->case_list_bin)));
  lia_case_list_focus_search (self->case_list);
}

static void
lia_main_page_dispose (GObject *object)
{
  /* No gtk_widget_dispose_template(): the leaflet is both a bound template
   * child and AdwBin's own child, and AdwBin's dispose removes it (with
   * everything in it); unparenting it here first would leave AdwBin
   * holding a dangling child. */
  G_OBJECT_CLASS (lia_main_page_parent_class)->dispose (object);
}

static void
lia_main_page_class_init (LiaMainPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lia_main_page_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/uk/liaison/Liaison/ui/lia-main-page.ui");
  gtk_widget_class_bind_template_child (widget_class, LiaMainPage, leaflet);
  gtk_widget_class_bind_template_child (widget_class, LiaMainPage, sidebar_title);
  gtk_widget_class_bind_template_child (widget_class, LiaMainPage, case_list_bin);
  gtk_widget_class_bind_template_child (widget_class, LiaMainPage, content_stack);
  gtk_widget_class_bind_template_child (widget_class, LiaMainPage, case_bin);

  gtk_widget_class_install_action (widget_class, "main.new-case", NULL, new_case_action);
  gtk_widget_class_install_action (widget_class, "main.back", NULL, back_action);
  gtk_widget_class_install_action (widget_class, "main.peers", NULL, peers_action);
  gtk_widget_class_install_action (widget_class, "main.backup-identity", NULL,
                                   backup_identity_action);
  gtk_widget_class_install_action (widget_class, "main.search", NULL, search_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK,
                                       "main.new-case", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK,
                                       "main.search", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_p, GDK_CONTROL_MASK, "main.peers",
                                       NULL);
}

static void
lia_main_page_init (LiaMainPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

LiaMainPage *
lia_main_page_new (LiaApplication *application)
{
  LiaMainPage *self;
  LiaStoreWorker *worker = lia_application_get_worker (application);

  g_return_val_if_fail (LIA_IS_APPLICATION (application), NULL);

  self = g_object_new (LIA_TYPE_MAIN_PAGE, NULL);
  self->app = application;
  adw_window_title_set_subtitle (self->sidebar_title, lia_store_worker_get_org_name (worker));
  self->case_list = lia_case_list_new (application);
  g_signal_connect (self->case_list, "case-selected", G_CALLBACK (case_selected_cb), self);
  adw_bin_set_child (self->case_list_bin, GTK_WIDGET (self->case_list));
  return self;
}

void
lia_main_page_open_case (LiaMainPage *self,
                         const char  *case_id)
{
  g_return_if_fail (LIA_IS_MAIN_PAGE (self));
  g_return_if_fail (case_id != NULL);

  lia_case_list_select (self->case_list, case_id);
  show_case (self, case_id);
}
