/* lia-calendar-refresh.c: fetching newer bank holiday data.
 *
 * GOV.UK publishes the bank holidays of the coming years as JSON. A refresh
 * fetches it, conditionally (If-None-Match, If-Modified-Since), and keeps
 * what it got only if it passes every check; otherwise the calendar in use
 * stays as it was. Liaison keeps working offline on the built-in data.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <string.h>

#include "lia-calendar-private.h"

static gboolean
network_error (GError **error, const char *url, const char *detail)
{
  g_set_error (error, LIA_CALENDAR_ERROR, LIA_CALENDAR_ERROR_NETWORK,
               "Could not refresh the bank holiday calendar from %s: %s. The calendar in use "
               "is unchanged",
               url, detail);
  return FALSE;
}

static gboolean
refused (GError **error, const char *url, const char *detail)
{
  g_set_error (error, LIA_CALENDAR_ERROR, LIA_CALENDAR_ERROR_INVALID_DATA,
               "The bank holiday data from %s are not usable: %s. The calendar in use is "
               "unchanged",
               url, detail);
  return FALSE;
}

/* The validators of the last good refresh from @url, if any. */
static void
load_validators (const char *meta_path, const char *url, char **etag, char **last_modified)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *meta;

  *etag = *last_modified = NULL;
  if (!json_parser_load_from_file (parser, meta_path, NULL)
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return;
  meta = json_node_get_object (json_parser_get_root (parser));
  if (g_strcmp0 (json_object_get_string_member_with_default (meta, "url", NULL), url) != 0)
    return;
  *etag = g_strdup (json_object_get_string_member_with_default (meta, "etag", NULL));
  *last_modified = g_strdup (json_object_get_string_member_with_default (meta, "last_modified",
                                                                          NULL));
}

static gboolean
save (const char *path, const char *data, gsize len, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno), "Could not create %s: %s",
                   dir, g_strerror (errno));
      return FALSE;
    }
  return g_file_set_contents_full (path, data, (gssize) len,
                                   G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                   0600, error);
}

/* Reads at most @limit + 1 bytes, so that a body over the limit is seen to
 * be over it without being read whole. */
static GBytes *
read_bounded (GInputStream *stream, gsize limit, GCancellable *cancellable, GError **error)
{
  g_autoptr (GByteArray) body = g_byte_array_new ();
  guint8 buffer[16384];

  while (body->len <= limit)
    {
      gssize n = g_input_stream_read (stream, buffer, sizeof buffer, cancellable, error);

      if (n < 0)
        return NULL;
      if (n == 0)
        break;
      g_byte_array_append (body, buffer, (guint) n);
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&body));
}

gboolean
lia_calendar_refresh (const char               *url,
                      const char               *cache_dir,
                      guint                     timeout_seconds,
                      LiaCalendarRefreshResult *out_result,
                      GCancellable             *cancellable,
                      GError                  **error)
{
  g_autofree char *data_path = lia_calendar_cache_path (cache_dir, LIA_CALENDAR_CACHE_DATA);
  g_autofree char *meta_path = lia_calendar_cache_path (cache_dir, LIA_CALENDAR_CACHE_META);
  g_autofree char *etag = NULL;
  g_autofree char *last_modified = NULL;
  g_autoptr (SoupSession) session = NULL;
  g_autoptr (SoupMessage) message = NULL;
  g_autoptr (GInputStream) stream = NULL;
  g_autoptr (GBytes) body = NULL;
  g_autoptr (LiaCalendar) fetched = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  SoupMessageHeaders *headers;
  const char *content_type;
  goffset length;
  guint status;

  if (url == NULL)
    url = LIA_CALENDAR_DEFAULT_URL;

  message = soup_message_new (SOUP_METHOD_GET, url);
  if (message == NULL)
    return network_error (error, url, "that is not a web address");

  load_validators (meta_path, url, &etag, &last_modified);
  headers = soup_message_get_request_headers (message);
  soup_message_headers_replace (headers, "Accept", "application/json");
  if (etag != NULL)
    soup_message_headers_replace (headers, "If-None-Match", etag);
  if (last_modified != NULL)
    soup_message_headers_replace (headers, "If-Modified-Since", last_modified);

  session = soup_session_new_with_options ("timeout", timeout_seconds,
                                           "idle-timeout", timeout_seconds,
                                           "user-agent", "Liaison/" PACKAGE_VERSION, NULL);
  stream = soup_session_send (session, message, cancellable, &local_error);
  if (stream == NULL)
    return network_error (error, url, local_error->message);

  status = soup_message_get_status (message);
  if (status == SOUP_STATUS_NOT_MODIFIED)
    {
      *out_result = LIA_CALENDAR_REFRESH_NOT_MODIFIED;
      return TRUE;
    }
  if (status != SOUP_STATUS_OK)
    {
      g_autofree char *detail = g_strdup_printf ("the server answered %u %s", status,
                                                 soup_message_get_reason_phrase (message));

      return network_error (error, url, detail);
    }

  headers = soup_message_get_response_headers (message);
  content_type = soup_message_headers_get_content_type (headers, NULL);
  if (g_strcmp0 (content_type, "application/json") != 0)
    {
      g_autofree char *detail = g_strdup_printf ("they were served as %s, not as JSON",
                                                 content_type != NULL ? content_type
                                                                      : "an unknown type");

      return refused (error, url, detail);
    }
  length = soup_message_headers_get_content_length (headers);
  if (length > LIA_CALENDAR_MAX_BYTES)
    return refused (error, url, "they are larger than a bank holiday calendar can be");

  body = read_bounded (stream, LIA_CALENDAR_MAX_BYTES, cancellable, &local_error);
  if (body == NULL)
    return network_error (error, url, local_error->message);
  if (g_bytes_get_size (body) > LIA_CALENDAR_MAX_BYTES)
    return refused (error, url, "they are larger than a bank holiday calendar can be");

  fetched = lia_calendar_new_from_json (body, &local_error);
  if (fetched == NULL)
    {
      /* Its message says what is wrong after a prefix of its own. */
      const char *detail = strstr (local_error->message, ": ");

      return refused (error, url, detail != NULL ? detail + 2 : local_error->message);
    }
  if (lia_calendar_get_last_year (fetched) < g_date_time_get_year (now))
    {
      g_autofree char *detail = g_strdup_printf ("they end in %d, before this year",
                                                 lia_calendar_get_last_year (fetched));

      return refused (error, url, detail);
    }

  /* Good: keep the data, then the validators that go with them. */
  {
    g_autoptr (JsonBuilder) builder = json_builder_new ();
    g_autoptr (JsonGenerator) generator = json_generator_new ();
    g_autoptr (JsonNode) root = NULL;
    g_autofree char *meta = NULL;
    const char *new_etag = soup_message_headers_get_one (headers, "ETag");
    const char *new_modified = soup_message_headers_get_one (headers, "Last-Modified");
    gsize len;
    const char *data = g_bytes_get_data (body, &len);

    json_builder_begin_object (builder);
    json_builder_set_member_name (builder, "url");
    json_builder_add_string_value (builder, url);
    if (new_etag != NULL)
      {
        json_builder_set_member_name (builder, "etag");
        json_builder_add_string_value (builder, new_etag);
      }
    if (new_modified != NULL)
      {
        json_builder_set_member_name (builder, "last_modified");
        json_builder_add_string_value (builder, new_modified);
      }
    json_builder_end_object (builder);
    root = json_builder_get_root (builder);
    json_generator_set_root (generator, root);
    meta = json_generator_to_data (generator, NULL);

    if (!save (data_path, data, len, error) || !save (meta_path, meta, strlen (meta), error))
      return FALSE;
  }
  *out_result = LIA_CALENDAR_REFRESH_UPDATED;
  return TRUE;
}
