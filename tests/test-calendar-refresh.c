/* test-calendar-refresh.c: refreshing the bank holiday calendar from a
 * local libsoup server on 127.0.0.1: good data, not modified, and every
 * kind of bad answer, after which the calendar in use must be unchanged.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <libsoup/soup.h>

#include "lia-calendar-private.h"
#include "lia-test-util.h"

/* Holidays for 2026 to 2028: 2028 is beyond the built-in data. */
static const char good_data[] =
  "{\"england-and-wales\":{\"division\":\"england-and-wales\",\"events\":["
  "{\"title\":\"New Year’s Day\",\"date\":\"2026-01-01\",\"notes\":\"\",\"bunting\":true},"
  "{\"title\":\"Good Friday\",\"date\":\"2026-04-03\",\"notes\":\"\",\"bunting\":false},"
  "{\"title\":\"Easter Monday\",\"date\":\"2026-04-06\",\"notes\":\"\",\"bunting\":true},"
  "{\"title\":\"Early May bank holiday\",\"date\":\"2026-05-04\",\"notes\":\"\",\"bunting\":true},"
  "{\"title\":\"Spring bank holiday\",\"date\":\"2026-05-25\",\"notes\":\"\",\"bunting\":true},"
  "{\"title\":\"Summer bank holiday\",\"date\":\"2026-08-31\",\"notes\":\"\",\"bunting\":true},"
  "{\"title\":\"Christmas Day\",\"date\":\"2026-12-25\",\"notes\":\"\",\"bunting\":true},"
  "{\"title\":\"Boxing Day\",\"date\":\"2026-12-28\",\"notes\":\"Substitute day\",\"bunting\":true},"
  "{\"title\":\"New Year’s Day\",\"date\":\"2027-01-01\",\"notes\":\"\",\"bunting\":true},"
  "{\"title\":\"Good Friday\",\"date\":\"2027-03-26\",\"notes\":\"\",\"bunting\":false},"
  "{\"title\":\"Easter Monday\",\"date\":\"2027-03-29\",\"notes\":\"\",\"bunting\":true},"
  "{\"title\":\"Early May bank holiday\",\"date\":\"2027-05-03\",\"notes\":\"\",\"bunting\":true},"
  "{\"title\":\"Spring bank holiday\",\"date\":\"2027-05-31\",\"notes\":\"\",\"bunting\":true},"
  "{\"title\":\"Summer bank holiday\",\"date\":\"2027-08-30\",\"notes\":\"\",\"bunting\":true},"
  "{\"title\":\"Christmas Day\",\"date\":\"2027-12-27\",\"notes\":\"Substitute day\",\"bunting\":true},"
  "{\"title\":\"Boxing Day\",\"date\":\"2027-12-28\",\"notes\":\"Substitute day\",\"bunting\":true},"
  "{\"title\":\"New Year’s Day\",\"date\":\"2028-01-03\",\"notes\":\"Substitute day\",\"bunting\":true},"
  "{\"title\":\"Good Friday\",\"date\":\"2028-04-14\",\"notes\":\"\",\"bunting\":false},"
  "{\"title\":\"Easter Monday\",\"date\":\"2028-04-17\",\"notes\":\"\",\"bunting\":true},"
  "{\"title\":\"Early May bank holiday\",\"date\":\"2028-05-01\",\"notes\":\"\",\"bunting\":true},"
  "{\"title\":\"Spring bank holiday\",\"date\":\"2028-05-29\",\"notes\":\"\",\"bunting\":true},"
  "{\"title\":\"Summer bank holiday\",\"date\":\"2028-08-28\",\"notes\":\"\",\"bunting\":true},"
  "{\"title\":\"Christmas Day\",\"date\":\"2028-12-25\",\"notes\":\"\",\"bunting\":true},"
  "{\"title\":\"Boxing Day\",\"date\":\"2028-12-26\",\"notes\":\"\",\"bunting\":true}"
  "]}}";

#define ETAG "\"liaison-test-1\""

/* The server runs in a thread of its own, since the refresh blocks. */
typedef struct
{
  GThread      *thread;
  GMainContext *context;
  GMainLoop    *loop;
  SoupServer   *server;
  char         *base_url;
  GMutex        lock;
  GCond         ready;
  gboolean      started;
  guint         requests;   /* guarded by lock */
  char         *last_if_none_match;  /* guarded by lock */
} Server;

static void
handler_cb (SoupServer        *server,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  Server *self = user_data;
  SoupMessageHeaders *request = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *response = soup_server_message_get_response_headers (msg);
  const char *if_none_match = soup_message_headers_get_one (request, "If-None-Match");

  g_mutex_lock (&self->lock);
  self->requests++;
  g_free (self->last_if_none_match);
  self->last_if_none_match = g_strdup (if_none_match);
  g_mutex_unlock (&self->lock);

  if (g_str_equal (path, "/good.json"))
    {
      if (g_strcmp0 (if_none_match, ETAG) == 0)
        {
          soup_server_message_set_status (msg, SOUP_STATUS_NOT_MODIFIED, NULL);
          return;
        }
      soup_message_headers_replace (response, "ETag", ETAG);
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC, good_data,
                                        strlen (good_data));
    }
  else if (g_str_equal (path, "/malformed.json"))
    {
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC,
                                        "{\"england-and-wales\": {\"events\": [", 33);
    }
  else if (g_str_equal (path, "/shape.json"))
    {
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC,
                                        "{\"scotland\": {\"events\": []}}", 28);
    }
  else if (g_str_equal (path, "/old.json"))
    {
      /* Well formed, but it ends in 2019. */
      static const char old[] =
        "{\"england-and-wales\":{\"events\":["
        "{\"title\":\"A\",\"date\":\"2019-01-01\"},{\"title\":\"B\",\"date\":\"2019-04-19\"},"
        "{\"title\":\"C\",\"date\":\"2019-04-22\"},{\"title\":\"D\",\"date\":\"2019-05-06\"},"
        "{\"title\":\"E\",\"date\":\"2019-05-27\"},{\"title\":\"F\",\"date\":\"2019-08-26\"},"
        "{\"title\":\"G\",\"date\":\"2019-12-25\"},{\"title\":\"H\",\"date\":\"2019-12-26\"}]}}";

      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC, old,
                                        strlen (old));
    }
  else if (g_str_equal (path, "/huge.json"))
    {
      gsize len = LIA_CALENDAR_MAX_BYTES + 4096;
      char *huge = g_malloc (len);

      memset (huge, ' ', len);
      huge[0] = '{';
      huge[len - 1] = '}';
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, huge, len);
    }
  else if (g_str_equal (path, "/html"))
    {
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (msg, "text/html", SOUP_MEMORY_STATIC, good_data,
                                        strlen (good_data));
    }
  else if (g_str_equal (path, "/slow.json"))
    {
      /* Never answers: the client's time-out must end the wait. */
      soup_server_message_pause (msg);
    }
  else if (g_str_equal (path, "/drop.json"))
    {
      GIOStream *stream = soup_server_message_steal_connection (msg);

      g_io_stream_close (stream, NULL, NULL);
      g_object_unref (stream);
    }
  else
    soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
}

static gpointer
server_thread (gpointer user_data)
{
  Server *self = user_data;
  g_autoptr (GError) error = NULL;
  GSList *uris;

  g_main_context_push_thread_default (self->context);
  self->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (self->server, NULL, handler_cb, self, NULL);
  g_assert_true (soup_server_listen_local (self->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (self->server);
  self->base_url = g_uri_to_string (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  g_mutex_lock (&self->lock);
  self->started = TRUE;
  g_cond_signal (&self->ready);
  g_mutex_unlock (&self->lock);

  g_main_loop_run (self->loop);
  soup_server_disconnect (self->server);
  g_clear_object (&self->server);
  g_main_context_pop_thread_default (self->context);
  return NULL;
}

static void
server_start (Server *self)
{
  memset (self, 0, sizeof *self);
  g_mutex_init (&self->lock);
  g_cond_init (&self->ready);
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->thread = g_thread_new ("server", server_thread, self);
  g_mutex_lock (&self->lock);
  while (!self->started)
    g_cond_wait (&self->ready, &self->lock);
  g_mutex_unlock (&self->lock);
  /* Loopback only. */
  g_assert_true (g_str_has_prefix (self->base_url, "http://127.0.0.1:"));
}

static gboolean
quit_cb (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

static void
server_stop (Server *self)
{
  g_main_context_invoke (self->context, quit_cb, self->loop);
  g_thread_join (self->thread);
  g_main_loop_unref (self->loop);
  g_main_context_unref (self->context);
  g_free (self->base_url);
  g_free (self->last_if_none_match);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->ready);
}

static char *
url_of (Server *server, const char *path)
{
  /* base_url ends in '/'. */
  return g_strconcat (server->base_url, path, NULL);
}

static GBytes *
cached_data (const char *cache_dir)
{
  g_autofree char *path = lia_calendar_cache_path (cache_dir, LIA_CALENDAR_CACHE_DATA);
  char *contents = NULL;
  gsize len = 0;

  if (!g_file_get_contents (path, &contents, &len, NULL))
    return NULL;
  return g_bytes_new_take (contents, len);
}

static gboolean
covers_2028 (const char *cache_dir)
{
  g_autoptr (LiaCalendar) calendar = lia_calendar_new_current (cache_dir);

  return lia_calendar_get_last_year (calendar) == 2028;
}

static void
test_good_then_not_modified (void)
{
  Server server;
  g_autofree char *cache = lia_test_make_dir ("cache");
  g_autofree char *url = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (LiaCalendar) calendar = NULL;
  LiaCalendarRefreshResult result;
  GDate from, out;

  server_start (&server);
  url = url_of (&server, "good.json");
  g_assert_false (covers_2028 (cache));

  g_assert_true (lia_calendar_refresh (url, cache, 5, &result, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (result, ==, LIA_CALENDAR_REFRESH_UPDATED);
  g_assert_null (server.last_if_none_match);

  /* The calendar in use now reaches into 2028, and still knows 2018 from
   * the built-in data. */
  calendar = lia_calendar_new_current (cache);
  g_assert_cmpint (lia_calendar_get_first_year (calendar), ==, 2018);
  g_assert_cmpint (lia_calendar_get_last_year (calendar), ==, 2028);
  g_assert_true (lia_date_parse ("2027-12-30", &from, NULL));
  g_assert_true (lia_calendar_add_working_days (calendar, &from, 2, &out, &error));
  g_assert_no_error (error);
  {
    g_autofree char *text = lia_date_format (&out);

    /* 31 December, then 3 January 2028 is New Year's substitute day. */
    g_assert_cmpstr (text, ==, "2028-01-04");
  }

  /* Again: the ETag goes with the request and the server says 304. */
  g_assert_true (lia_calendar_refresh (url, cache, 5, &result, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (result, ==, LIA_CALENDAR_REFRESH_NOT_MODIFIED);
  g_assert_cmpstr (server.last_if_none_match, ==, ETAG);
  g_assert_true (covers_2028 (cache));

  server_stop (&server);
}

static void
test_bad_answers (void)
{
  Server server;
  g_autofree char *cache = lia_test_make_dir ("cache");
  g_autofree char *good = NULL;
  g_autoptr (GBytes) before = NULL;
  g_autoptr (GError) error = NULL;
  LiaCalendarRefreshResult result;
  const struct
  {
    const char *path;
    int         code;
    const char *says;
  } cases[] = {
    { "malformed.json", LIA_CALENDAR_ERROR_INVALID_DATA, "not JSON" },
    { "shape.json", LIA_CALENDAR_ERROR_INVALID_DATA, "no “england-and-wales” division" },
    { "old.json", LIA_CALENDAR_ERROR_INVALID_DATA, "before this year" },
    { "huge.json", LIA_CALENDAR_ERROR_INVALID_DATA, "larger than" },
    { "html", LIA_CALENDAR_ERROR_INVALID_DATA, "served as text/html" },
    { "missing.json", LIA_CALENDAR_ERROR_NETWORK, "404" },
    { "slow.json", LIA_CALENDAR_ERROR_NETWORK, "" },
    { "drop.json", LIA_CALENDAR_ERROR_NETWORK, "" },
  };

  server_start (&server);
  good = url_of (&server, "good.json");
  g_assert_true (lia_calendar_refresh (good, cache, 5, &result, NULL, &error));
  g_assert_no_error (error);
  before = cached_data (cache);
  g_assert_nonnull (before);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *url = url_of (&server, cases[i].path);
      g_autoptr (GBytes) after = NULL;
      gint64 start = g_get_monotonic_time ();

      g_assert_false (lia_calendar_refresh (url, cache, 1, &result, NULL, &error));
      g_test_message ("%s: %s (%.1f s)", cases[i].path, error->message,
                      (g_get_monotonic_time () - start) / 1e6);
      g_assert_error (error, LIA_CALENDAR_ERROR, cases[i].code);
      g_assert_nonnull (strstr (error->message, cases[i].says));
      g_assert_nonnull (strstr (error->message, "The calendar in use is unchanged"));
      g_clear_error (&error);

      /* Nothing was kept: the last good data are still the ones in use. */
      after = cached_data (cache);
      g_assert_true (g_bytes_equal (before, after));
      g_assert_true (covers_2028 (cache));
    }
  server_stop (&server);
}

static void
test_unreachable (void)
{
  g_autofree char *cache = lia_test_make_dir ("cache");
  g_autoptr (GError) error = NULL;
  LiaCalendarRefreshResult result;
  g_autoptr (LiaCalendar) calendar = NULL;

  /* Port 1 on loopback: nothing listens there. */
  g_assert_false (lia_calendar_refresh ("http://127.0.0.1:1/bank-holidays.json", cache, 2,
                                        &result, NULL, &error));
  g_assert_error (error, LIA_CALENDAR_ERROR, LIA_CALENDAR_ERROR_NETWORK);
  g_clear_error (&error);
  g_assert_false (lia_calendar_refresh ("not a web address", cache, 2, &result, NULL, &error));
  g_assert_error (error, LIA_CALENDAR_ERROR, LIA_CALENDAR_ERROR_NETWORK);

  /* Offline, the built-in data serve. */
  calendar = lia_calendar_new_current (cache);
  g_assert_cmpint (lia_calendar_get_last_year (calendar), ==, 2027);
}

static void
test_damaged_cache (void)
{
  g_autofree char *cache = lia_test_make_dir ("cache");
  g_autofree char *path = lia_calendar_cache_path (cache, LIA_CALENDAR_CACHE_DATA);
  g_autoptr (LiaCalendar) calendar = NULL;

  g_assert_true (g_file_set_contents (path, "{ damaged", -1, NULL));
  g_test_expect_message (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE, "Ignoring the refreshed*");
  calendar = lia_calendar_new_current (cache);
  g_test_assert_expected_messages ();
  g_assert_cmpint (lia_calendar_get_first_year (calendar), ==, 2018);
  g_assert_cmpint (lia_calendar_get_last_year (calendar), ==, 2027);
}

int
main (int argc, char **argv)
{
  lia_test_init (&argc, &argv);

  g_test_add_func ("/calendar/refresh/good-then-not-modified", test_good_then_not_modified);
  g_test_add_func ("/calendar/refresh/bad-answers", test_bad_answers);
  g_test_add_func ("/calendar/refresh/unreachable", test_unreachable);
  g_test_add_func ("/calendar/refresh/damaged-cache", test_damaged_cache);

  return g_test_run ();
}
