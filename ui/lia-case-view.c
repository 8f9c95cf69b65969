/* lia-case-view.c: one case, page by page.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "lia-actions-page.h"
#include "lia-case-view.h"
#include "lia-chronology-page.h"
#include "lia-deadlines.h"
#include "lia-errors.h"
#include "lia-loader.h"
#include "lia-log-page.h"
#include "lia-overview-page.h"
#include "lia-records-page.h"
#include "lia-requests-page.h"
#include "lia-sharing-page.h"
#include "lia-util.h"

void
lia_case_data_free (LiaCaseData *data)
{
  if (data == NULL)
    return;
  g_clear_pointer (&data->lcase, lia_case_free);
  g_clear_pointer (&data->milestones, g_ptr_array_unref);
  g_clear_pointer (&data->self, lia_org_free);
  g_clear_pointer (&data->orgs, g_ptr_array_unref);
  g_free (data);
}

gboolean
lia_case_data_is_lead (const LiaCaseData *data)
{
  return data->lcase->lead != NULL && data->self != NULL
         && data->lcase->lead->id == data->self->id;
}

struct _LiaCaseView
{
  AdwBin               parent_instance;

  LiaApplication      *app;       /* borrowed */
  char                *case_id;   /* owned */
  LiaLoader           *loader;    /* owned */
  gboolean             show_back;
  LiaOverviewPage     *overview;  /* borrowed: in view_stack */

  /* The case's first load, held for a frame (see loaded_cb). */
  gboolean             shown;            /* the case or its error shown once */
  guint                pending_id;       /* lia_after_next_frame(), or 0 */
  LiaCaseData         *pending_data;     /* owned, or NULL */
  GError              *pending_error;    /* owned, or NULL */

  AdwHeaderBar        *header_bar;
  AdwViewSwitcherTitle *switcher_title;
  AdwViewSwitcherBar  *switcher_bar;
  GtkButton           *back_button;
  GtkStack            *stack;
  GtkSpinner          *spinner;
  AdwStatusPage       *error_page;
  AdwViewStack        *view_stack;
};

G_DEFINE_FINAL_TYPE (LiaCaseView, lia_case_view, ADW_TYPE_BIN)

enum
{
  PROP_0,
  PROP_SHOW_BACK_BUTTON,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The job: the case in full, its timeline, and who is who. */
static gpointer
load_job (LiaStore     *store,
          gpointer      user_data,
          GCancellable *cancellable,
          GError      **error)
{
  const char *case_id = user_data;
  LiaCaseData *data = g_new0 (LiaCaseData, 1);

  lia_get_today (&data->today);
  if ((data->lcase = lia_case_load (store, case_id, error)) == NULL
      || (data->self = lia_store_get_self (store, error)) == NULL
      || (data->orgs = lia_store_list_orgs (store, error)) == NULL
      || (data->milestones = lia_deadlines_for_store (store, data->lcase->id, &data->today,
                                                      FALSE, NULL, error)) == NULL)
    {
      lia_case_data_free (data);
      return NULL;
    }
  return data;
}

static void
show_data (LiaCaseView  *self,
           LiaCaseData  *data,
           const GError *error)
{
  g_autofree char *subtitle = NULL;

  gtk_spinner_set_spinning (self->spinner, FALSE);
  if (data == NULL)
    {
      g_autofree char *message = lia_error_describe (error);

      adw_status_page_set_description (self->error_page, message);
      gtk_stack_set_visible_child_name (self->stack, "error");
      return;
    }
  adw_view_switcher_title_set_title (self->switcher_title, data->lcase->title);
  if (data->lcase->lead != NULL && !lia_case_data_is_lead (data))
    /* Translators: the child's code, the area and the lead organisation */
    subtitle = g_strdup_printf (_("%s · %s · led by %s"), data->lcase->child, data->lcase->area,
                                data->lcase->lead->name);
  else
    subtitle = g_strdup_printf (_("%s · %s · led by us"), data->lcase->child,
                                data->lcase->area);
  adw_view_switcher_title_set_subtitle (self->switcher_title, subtitle);
  gtk_stack_set_visible_child_name (self->stack, "case");
  lia_overview_page_set_data (self->overview, data);
}

static void
show_pending (gpointer user_data)
{
  LiaCaseView *self = user_data;

  self->pending_id = 0;
  show_data (self, self->pending_data, self->pending_error);
  self->pending_data = NULL;  /* the overview has it */
  g_clear_pointer (&self->pending_error, g_error_free);
}

static void
loaded_cb (gpointer      result,
           const GError *error,
           gpointer      user_data)
{
  LiaCaseView *self = user_data;

  /* Opening a case takes two frames: the first paints the new view, its
   * header and switchers, over the whole content area; the next lays out
   * and paints its overview. In one frame the two made a stall of 70-90
   * ms with GTK's software renderer (painting a new area is mostly first
   * touches of new memory there); apart, each is well under 50. Only the
   * first load waits; a reload (a later change) shows at once. */
  if (self->pending_id != 0)
    {
      /* A reload before the first was shown: the newer one is shown. */
      g_clear_pointer (&self->pending_data, lia_case_data_free);
      g_clear_pointer (&self->pending_error, g_error_free);
      self->pending_data = result;
      self->pending_error = error != NULL ? g_error_copy (error) : NULL;
      return;
    }
  if (!self->shown)
    {
      self->shown = TRUE;
      self->pending_data = result;
      self->pending_error = error != NULL ? g_error_copy (error) : NULL;
      self->pending_id = lia_after_next_frame (GTK_WIDGET (self), show_pending, self, NULL);
      return;
    }
  show_data (self, result, error);
}

static void
lia_case_view_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  LiaCaseView *self = LIA_CASE_VIEW (object);

  switch (prop_id)
    {
    case PROP_SHOW_BACK_BUTTON:
      g_value_set_boolean (value, self->show_back);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lia_case_view_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  LiaCaseView *self = LIA_CASE_VIEW (object);

  switch (prop_id)
    {
    case PROP_SHOW_BACK_BUTTON:
      self->show_back = g_value_get_boolean (value);
      gtk_widget_set_visible (GTK_WIDGET (self->back_button), self->show_back);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lia_case_view_dispose (GObject *object)
{
  LiaCaseView *self = LIA_CASE_VIEW (object);

  if (self->loader != NULL)
    lia_loader_cancel (self->loader);
  g_clear_object (&self->loader);
  lia_after_next_frame_cancel (GTK_WIDGET (self), &self->pending_id);
  g_clear_pointer (&self->pending_data, lia_case_data_free);
  g_clear_pointer (&self->pending_error, g_error_free);
  gtk_widget_dispose_template (GTK_WIDGET (self), LIA_TYPE_CASE_VIEW);
  G_OBJECT_CLASS (lia_case_view_parent_class)->dispose (object);
}

static void
lia_case_view_finalize (GObject *object)
{
  LiaCaseView *self = LIA_CASE_VIEW (object);

  g_free (self->case_id);
  G_OBJECT_CLASS (lia_case_view_parent_class)->finalize (object);
}

static void
lia_case_view_class_init (LiaCaseViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = lia_case_view_get_property;
  object_class->set_property = lia_case_view_set_property;
  object_class->dispose = lia_case_view_dispose;
  object_class->finalize = lia_case_view_finalize;

  properties[PROP_SHOW_BACK_BUTTON] =
    g_param_spec_boolean ("show-back-button", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/uk/liaison/Liaison/ui/lia-case-view.ui");
  gtk_widget_class_bind_template_child (widget_class, LiaCaseView, header_bar);
  gtk_widget_class_bind_template_child (widget_class, LiaCaseView, switcher_title);
  gtk_widget_class_bind_template_child (widget_class, LiaCaseView, switcher_bar);
  gtk_widget_class_bind_template_child (widget_class, LiaCaseView, back_button);
  gtk_widget_class_bind_template_child (widget_class, LiaCaseView, stack);
  gtk_widget_class_bind_template_child (widget_class, LiaCaseView, spinner);
  gtk_widget_class_bind_template_child (widget_class, LiaCaseView, error_page);
  gtk_widget_class_bind_template_child (widget_class, LiaCaseView, view_stack);
}

static void
lia_case_view_init (LiaCaseView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

typedef GtkWidget *(*PageFactory) (LiaApplication *application,
                                   const char     *case_id);

/* A page is made when it is first shown: opening a case builds only its
 * overview, and the other pages' templates cost nothing until wanted. */
static void
page_mapped_cb (GtkWidget *bin,
                gpointer   user_data)
{
  LiaCaseView *self = user_data;
  PageFactory factory = (PageFactory) g_object_get_data (G_OBJECT (bin), "factory");

  if (adw_bin_get_child (ADW_BIN (bin)) != NULL || factory == NULL)
    return;
  adw_bin_set_child (ADW_BIN (bin), factory (self->app, self->case_id));
}

static void
add_page (LiaCaseView *self,
          GtkWidget   *page,
          PageFactory  factory,
          const char  *name,
          const char  *title,
          const char  *icon)
{
  AdwViewStackPage *stack_page;

  if (page == NULL)
    {
      page = adw_bin_new ();
      g_object_set_data (G_OBJECT (page), "factory", (gpointer) factory);
      g_signal_connect_object (page, "map", G_CALLBACK (page_mapped_cb), self, 0);
    }
  stack_page = adw_view_stack_add_titled (self->view_stack, page, name, title);
  adw_view_stack_page_set_icon_name (stack_page, icon);
  gtk_widget_set_name (page, name);
}

LiaCaseView *
lia_case_view_new (LiaApplication *application,
                   const char     *case_id)
{
  LiaCaseView *self;

  g_return_val_if_fail (LIA_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (case_id != NULL, NULL);

  self = g_object_new (LIA_TYPE_CASE_VIEW, NULL);
  self->app = application;
  self->case_id = g_strdup (case_id);

  self->overview = lia_overview_page_new (application, case_id);
  add_page (self, GTK_WIDGET (self->overview), NULL, "overview", _("Overview"),
            "view-list-bullet-symbolic");
  add_page (self, NULL, (PageFactory) lia_chronology_page_new, "chronology", _("Chronology"),
            "x-office-calendar-symbolic");
  add_page (self, NULL, (PageFactory) lia_records_page_new, "records", _("Records"),
            "folder-documents-symbolic");
  add_page (self, NULL, (PageFactory) lia_requests_page_new, "requests", _("Requests"),
            "mail-send-receive-symbolic");
  add_page (self, NULL, (PageFactory) lia_sharing_page_new, "sharing", _("Sharing"),
            "emblem-shared-symbolic");
  add_page (self, NULL, (PageFactory) lia_log_page_new, "log", _("Disclosure log"),
            "document-properties-symbolic");
  add_page (self, NULL, (PageFactory) lia_actions_page_new, "actions", _("Actions"),
            "object-select-symbolic");
  /* The switchers see the pages only now: libadwaita 1.2's view switcher
   * rebuilds every one of its buttons each time a page is added, which
   * for seven pages and two switchers made 56 buttons to keep 14. */
  adw_view_switcher_title_set_stack (self->switcher_title, self->view_stack);
  adw_view_switcher_bar_set_stack (self->switcher_bar, self->view_stack);

  self->loader = lia_loader_new (lia_application_get_worker (application), case_id, load_job,
                                 g_strdup (case_id), g_free,
                                 (GDestroyNotify) lia_case_data_free, loaded_cb, self);
  lia_loader_load (self->loader);
  return self;
}

const char *
lia_case_view_get_case_id (LiaCaseView *self)
{
  g_return_val_if_fail (LIA_IS_CASE_VIEW (self), NULL);

  return self->case_id;
}

void
lia_case_view_show_page (LiaCaseView *self,
                         const char  *name)
{
  g_return_if_fail (LIA_IS_CASE_VIEW (self));

  adw_view_stack_set_visible_child_name (self->view_stack, name);
}
