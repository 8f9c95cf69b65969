/* bench-ui.c: the desktop application on a large store.
 *
 * Builds an encrypted store (the shipped Argon2id limits) of --cases cases
 * of realistic shape and one case of --entries chronology entries (the
 * same store as bench-model, bench-populate.c), then runs the real
 * application on it under the X server it is given (Xvfb), its window
 * opening at 1280 x 820 (the size it reopens at, from its settings), and
 * measures, from the unlock page's first frame on the screen, as a person
 * would meet them:
 *
 *   - unlock: from pressing Unlock to the store being open (mostly the
 *     deliberate key derivation, on the store's thread);
 *   - first frame after unlock: from the store being open to the first
 *     frame of the case list painted, and to the first frame with the
 *     cases listed;
 *   - opening the large case: from choosing it to the first frame of its
 *     overview with the statutory timeline, and then to the first frame of
 *     its chronology listed;
 *   - scrolling that chronology: the work each frame takes, from the GDK
 *     frame clock's before-paint to its after-paint (update, layout and
 *     paint, where the list binds the rows that scroll in), in wall-clock
 *     time and in the main thread's own CPU time (which a busy machine
 *     does not inflate), and the interval between frames, over --frames
 *     frames of a steady fling and as many of page-sized jumps;
 *   - main-loop stalls: a watchdog timer every 10 ms on the main loop
 *     records how late it runs, less the time the main thread spent
 *     waiting for a CPU (the machine's stall, not the application's; the
 *     lateness with it is reported too); any over 50 ms is a stall, with
 *     the phase it happened in, listed with when it ended (on stderr also
 *     in the monotonic clock, to cut a `perf record -k CLOCK_MONOTONIC`
 *     profile to it). --verbose describes every frame over 16 ms: its
 *     update and layout, its paint, and the page faults it took.
 *
 * Prints one JSON object on stdout; progress on stderr. Run it under Xvfb
 * and a D-Bus session, for example:
 *
 *   ninja -C _build/normal tests/bench/bench-ui
 *   xvfb-run -a -s '-screen 0 1600x1200x24' dbus-run-session -- \
 *     _build/normal/tests/bench/bench-ui > bench-ui.json
 *   _build/normal/tests/bench/bench-ui --cases 500 --entries 2000   # a quick run
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include <json-glib/json-glib.h>

#include "bench-populate.h"
#include "lia-crypt-vfs.h"
#include "lia-crypto.h"
#include "lia-ui-test.h"

#define PASSPHRASE "benchmark passphrase"
#define WATCHDOG_MS 10
#define STALL_MS 50

static int n_cases = 10000;
static int n_entries = 50000;
static int n_frames = 600;
static int scroll_px = 240;
static char *dir_option = NULL;
static gboolean verbose = FALSE;

static const GOptionEntry options[] = {
  { "cases", 0, 0, G_OPTION_ARG_INT, &n_cases, "Cases of realistic shape (10000)", "N" },
  { "entries", 0, 0, G_OPTION_ARG_INT, &n_entries, "Chronology entries of the big case (50000)", "N" },
  { "frames", 0, 0, G_OPTION_ARG_INT, &n_frames, "Frames of each kind of scrolling (600)", "N" },
  { "scroll-px", 0, 0, G_OPTION_ARG_INT, &scroll_px, "Pixels a frame while flinging (240)", "PX" },
  { "dir", 0, 0, G_OPTION_ARG_FILENAME, &dir_option, "Use the store in DIR, built there if empty", "DIR" },
  { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "Describe every frame over 16 ms on stderr", NULL },
  { NULL }
};

typedef struct
{
  /* The frame clock: work and interval of each frame while recording. */
  gint64       frame_start;
  gint64       frame_start_cpu;  /* this thread's CPU time, µs */
  gint64       last_frame_end;
  gint64       layout_end;      /* when the frame's layout ended */
  gint64       paint_end;       /* when its paint (snapshot and render) ended */
  long         frame_faults;    /* the thread's minor page faults at before-paint */
  gboolean     recording;
  GArray      *frame_work;      /* double ms */
  GArray      *frame_interval;  /* double ms */
  GArray      *frame_cpu;       /* double ms: this thread's CPU time in the frame */
  guint        frames_seen;     /* every after-paint, recording or not */

  /* Each phase's wall-clock and main-thread CPU time. */
  gint64       phase_wall;
  gint64       phase_cpu;
  guint        phase_frames;
  double       phase_frame_cpu;
  JsonBuilder *phases;

  /* The watchdog. */
  gint64       last_tick;
  gint64       last_wait;       /* ns the main thread had waited for a CPU, at last_tick */
  const char  *phase;           /* static */
  GHashTable  *phase_max;       /* phase → max stall in ms (double, boxed) */
  guint        stalls;
  double       max_stall_ms;
  const char  *max_stall_phase;
  double       max_late_ms;     /* lateness including time waiting for a CPU */
  gint64       started_at;      /* when the watchdog started */
  JsonBuilder *stall_list;      /* each stall: phase, when, how long */

  /* Results. */
  gint64       unlocked_at;
  double       unlock_ms;
  double       first_frame_ms;
  double       list_ready_ms;
  double       open_case_ms;
  double       chronology_ready_ms;
  GArray      *fling_work;
  GArray      *fling_interval;
  GArray      *fling_cpu;
  GArray      *jump_work;
  GArray      *jump_interval;
  GArray      *jump_cpu;
} Bench;

static Bench bench;

/* ---- the watchdog ------------------------------------------------------- */

/* How long this thread has waited, runnable, for a CPU (ns): the second
 * field of /proc/thread-self/schedstat. On a machine shared with other
 * work the main thread is sometimes simply not scheduled; that is the
 * machine's stall, not the application's, and is taken out. */
static gint64
run_queue_wait_ns (void)
{
  g_autofree char *text = NULL;
  guint64 on_cpu = 0, waited = 0;

  if (!g_file_get_contents ("/proc/thread-self/schedstat", &text, NULL, NULL)
      || sscanf (text, "%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT, &on_cpu, &waited) != 2)
    return 0;
  return (gint64) waited;
}

/* Accounts for the time since the last tick: how late this one is. */
static void
watchdog_tick (void)
{
  gint64 now = g_get_monotonic_time ();
  gint64 wait = run_queue_wait_ns ();
  double raw = (now - bench.last_tick) / 1000.0 - WATCHDOG_MS;
  double late = raw - (wait - bench.last_wait) / 1e6;
  double *max;

  bench.last_tick = now;
  bench.last_wait = wait;
  bench.max_late_ms = MAX (bench.max_late_ms, raw);
  if (late > STALL_MS)
    {
      /* When each stall ended (ms from the watchdog's start, and the
       * monotonic clock's µs, which `perf record -k CLOCK_MONOTONIC`
       * shares), so that a profile can be cut to it. */
      bench.stalls++;
      g_printerr ("bench-ui: stall of %.0f ms in %s, ended at %.0f ms (monotonic %" G_GINT64_FORMAT
                  " µs)\n",
                  late, bench.phase, (now - bench.started_at) / 1000.0, now);
      json_builder_begin_object (bench.stall_list);
      json_builder_set_member_name (bench.stall_list, "phase");
      json_builder_add_string_value (bench.stall_list, bench.phase);
      json_builder_set_member_name (bench.stall_list, "ms");
      json_builder_add_double_value (bench.stall_list, late);
      json_builder_set_member_name (bench.stall_list, "ended_at_ms");
      json_builder_add_double_value (bench.stall_list, (now - bench.started_at) / 1000.0);
      json_builder_end_object (bench.stall_list);
    }
  if (late > bench.max_stall_ms)
    {
      bench.max_stall_ms = late;
      bench.max_stall_phase = bench.phase;
    }
  max = g_hash_table_lookup (bench.phase_max, bench.phase);
  if (max == NULL)
    {
      max = g_new0 (double, 1);
      g_hash_table_insert (bench.phase_max, (gpointer) bench.phase, max);
    }
  *max = MAX (*max, late);
}

static gboolean
watchdog_cb (gpointer user_data)
{
  watchdog_tick ();
  return G_SOURCE_CONTINUE;
}

static gint64 thread_cpu_us (void);

static void
set_phase (const char *phase)
{
  gint64 wall, cpu;

  /* A stall belongs to the phase it happened in. The scenario moves on to
   * the next phase as soon as the frame it waits for is painted, before
   * the watchdog runs again; so a long last frame of a phase (the case's
   * first frame, say) would be counted in the next (its chronology). A
   * tick here, between two dispatches of the main loop, closes the
   * account of the phase that ends; the next tick counts from here. */
  if (bench.phase_wall != 0)
    watchdog_tick ();
  wall = g_get_monotonic_time ();
  cpu = thread_cpu_us ();

  /* How long the phase that ends took, and how much of it the main thread
   * spent working (the rest it waited: for the store's thread, for frames,
   * for a CPU). */
  if (bench.phase_wall != 0)
    {
      json_builder_set_member_name (bench.phases, bench.phase);
      json_builder_begin_object (bench.phases);
      json_builder_set_member_name (bench.phases, "wall_ms");
      json_builder_add_double_value (bench.phases, (wall - bench.phase_wall) / 1000.0);
      json_builder_set_member_name (bench.phases, "main_thread_cpu_ms");
      json_builder_add_double_value (bench.phases, (cpu - bench.phase_cpu) / 1000.0);
      json_builder_set_member_name (bench.phases, "frames");
      json_builder_add_int_value (bench.phases, bench.phase_frames);
      json_builder_set_member_name (bench.phases, "frames_cpu_ms");
      json_builder_add_double_value (bench.phases, bench.phase_frame_cpu);
      json_builder_end_object (bench.phases);
    }
  if (verbose)
    g_printerr ("bench-ui: %s from %.0f ms (monotonic %" G_GINT64_FORMAT " µs)\n", phase,
                bench.started_at != 0 ? (wall - bench.started_at) / 1000.0 : 0.0, wall);
  bench.phase_wall = wall;
  bench.phase_cpu = cpu;
  bench.phase_frames = 0;
  bench.phase_frame_cpu = 0;
  bench.phase = phase;
}

/* ---- the frame clock ---------------------------------------------------- */

static gint64
thread_cpu_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

/* This thread's minor page faults so far: memory touched for the first
 * time, which a frame that draws into new buffers pays for page by page. */
static long
thread_page_faults (void)
{
  struct rusage usage;

  getrusage (RUSAGE_THREAD, &usage);
  return usage.ru_minflt;
}

static void
before_paint_cb (GdkFrameClock *clock,
                 gpointer       user_data)
{
  bench.frame_start = g_get_monotonic_time ();
  bench.frame_start_cpu = thread_cpu_us ();
  bench.frame_faults = thread_page_faults ();
}

/* Connected after GTK's own handlers (the window's layout, the surface's
 * paint), so they mark when those ended. */
static void
layout_cb (GdkFrameClock *clock,
           gpointer       user_data)
{
  bench.layout_end = g_get_monotonic_time ();
}

static void
paint_cb (GdkFrameClock *clock,
          gpointer       user_data)
{
  bench.paint_end = g_get_monotonic_time ();
}

static void
after_paint_cb (GdkFrameClock *clock,
                gpointer       user_data)
{
  gint64 now = g_get_monotonic_time ();

  if (verbose && now - bench.frame_start > 16000)
    {
      gint64 layout_end = MAX (bench.layout_end, bench.frame_start);
      gint64 paint_end = MAX (bench.paint_end, layout_end);

      g_printerr ("bench-ui: frame of %.1f ms in %s (update and layout %.1f, paint %.1f, "
                  "%ld page faults), ended at %.0f ms\n",
                  (now - bench.frame_start) / 1000.0, bench.phase,
                  (layout_end - bench.frame_start) / 1000.0, (paint_end - layout_end) / 1000.0,
                  thread_page_faults () - bench.frame_faults,
                  bench.started_at != 0 ? (now - bench.started_at) / 1000.0 : 0.0);
    }

  bench.frames_seen++;
  bench.phase_frames++;
  bench.phase_frame_cpu += (thread_cpu_us () - bench.frame_start_cpu) / 1000.0;
  if (bench.recording)
    {
      double work = (now - bench.frame_start) / 1000.0;
      double cpu = (thread_cpu_us () - bench.frame_start_cpu) / 1000.0;

      g_array_append_val (bench.frame_work, work);
      g_array_append_val (bench.frame_cpu, cpu);
      if (bench.last_frame_end != 0)
        {
          double interval = (now - bench.last_frame_end) / 1000.0;

          g_array_append_val (bench.frame_interval, interval);
        }
    }
  bench.last_frame_end = now;
}

static gboolean
next_frame_cb (gpointer user_data)
{
  return bench.frames_seen > GPOINTER_TO_UINT (user_data);
}

/* Waits for the next frame to be painted; returns when it was. */
static gint64
wait_for_frame (void)
{
  lia_ui_wait_until (next_frame_cb, GUINT_TO_POINTER (bench.frames_seen), "a frame");
  return bench.last_frame_end;
}

/* ---- the scenario ------------------------------------------------------- */

static void
state_cb (GObject    *object,
          GParamSpec *pspec,
          gpointer    user_data)
{
  if (lia_application_get_state (LIA_APPLICATION (object)) == LIA_APP_STATE_UNLOCKED
      && bench.unlocked_at == 0)
    bench.unlocked_at = g_get_monotonic_time ();
}

typedef struct
{
  GtkAdjustment *adjustment;
  int            frames_left;
  gboolean       jump;
} Scroll;

static gboolean
scroll_tick_cb (GtkWidget     *widget,
                GdkFrameClock *clock,
                gpointer       user_data)
{
  Scroll *scroll = user_data;
  double value = gtk_adjustment_get_value (scroll->adjustment);
  double step = scroll->jump ? gtk_adjustment_get_page_size (scroll->adjustment) : scroll_px;
  double top = gtk_adjustment_get_upper (scroll->adjustment)
               - gtk_adjustment_get_page_size (scroll->adjustment);

  if (scroll->frames_left-- <= 0)
    return G_SOURCE_REMOVE;
  /* Down to the end, then back to the top: the list keeps binding new
   * rows the whole time. */
  value += step;
  if (value > top)
    value = 0;
  gtk_adjustment_set_value (scroll->adjustment, value);
  return G_SOURCE_CONTINUE;
}

static gboolean
scroll_done_cb (gpointer user_data)
{
  return ((Scroll *) user_data)->frames_left < 0;
}

static void
scroll_recorded (GtkWidget *list,
                 gboolean   jump,
                 GArray   **out_work,
                 GArray   **out_interval,
                 GArray   **out_cpu)
{
  GtkScrollable *scrollable = GTK_SCROLLABLE (list);
  Scroll scroll = { gtk_scrollable_get_vadjustment (scrollable), n_frames, jump };

  bench.frame_work = g_array_new (FALSE, FALSE, sizeof (double));
  bench.frame_interval = g_array_new (FALSE, FALSE, sizeof (double));
  bench.frame_cpu = g_array_new (FALSE, FALSE, sizeof (double));
  bench.last_frame_end = 0;
  bench.recording = TRUE;
  gtk_widget_add_tick_callback (list, scroll_tick_cb, &scroll, NULL);
  lia_ui_wait_until (scroll_done_cb, &scroll, "the scrolling");
  bench.recording = FALSE;
  *out_work = g_steal_pointer (&bench.frame_work);
  *out_interval = g_steal_pointer (&bench.frame_interval);
  *out_cpu = g_steal_pointer (&bench.frame_cpu);
}

static gboolean
one_case_cb (gpointer list)
{
  GListModel *model = G_LIST_MODEL (gtk_list_view_get_model (GTK_LIST_VIEW (list)));

  return g_list_model_get_n_items (model) == 1;
}

static void
scenario (LiaApplication *app,
          GtkWindow      *window,
          gpointer        user_data)
{
  GdkFrameClock *clock;
  GtkWidget *list, *pages;
  gint64 start, frame;

  g_signal_connect (app, "notify::state", G_CALLBACK (state_cb), NULL);
  lia_ui_wait_for_state (app, LIA_APP_STATE_LOCKED);
  lia_ui_wait_for ("unlock-passphrase");
  clock = gtk_widget_get_frame_clock (GTK_WIDGET (window));
  g_signal_connect (clock, "before-paint", G_CALLBACK (before_paint_cb), NULL);
  g_signal_connect (clock, "layout", G_CALLBACK (layout_cb), NULL);
  g_signal_connect (clock, "paint", G_CALLBACK (paint_cb), NULL);
  g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint_cb), NULL);
  /* From the unlock page on the screen: its first frame is the end of
   * starting up, not a part of unlocking. */
  wait_for_frame ();
  bench.last_tick = bench.started_at = g_get_monotonic_time ();
  bench.last_wait = run_queue_wait_ns ();
  g_timeout_add_full (G_PRIORITY_HIGH, WATCHDOG_MS, watchdog_cb, NULL, NULL);

  /* Unlock. */
  set_phase ("unlock");
  lia_ui_type ("unlock-passphrase", PASSPHRASE);
  start = g_get_monotonic_time ();
  lia_ui_click ("unlock-button");
  lia_ui_wait_for_state (app, LIA_APP_STATE_UNLOCKED);
  bench.unlock_ms = (bench.unlocked_at - start) / 1000.0;
  g_printerr ("bench-ui: unlocked in %.0f ms\n", bench.unlock_ms);

  /* The first frame of the main page, then the first with the cases. */
  set_phase ("first frame and case list");
  lia_ui_wait_for ("new-case-button");
  frame = wait_for_frame ();
  bench.first_frame_ms = (frame - bench.unlocked_at) / 1000.0;
  list = lia_ui_wait_for ("case-list");
  frame = wait_for_frame ();
  bench.list_ready_ms = (frame - bench.unlocked_at) / 1000.0;
  g_printerr ("bench-ui: first frame %.0f ms, cases listed %.0f ms after unlock\n",
              bench.first_frame_ms, bench.list_ready_ms);

  /* The large case, found as a person finds it: by searching. */
  set_phase ("search");
  lia_ui_type ("case-search", "long chronology");
  lia_ui_wait_until (one_case_cb, list, "the search to leave one case");
  set_phase ("open case");
  start = g_get_monotonic_time ();
  g_assert_true (gtk_widget_activate_action (list, "list.activate-item", "u", 0));
  lia_ui_wait_for ("timeline-today");
  frame = wait_for_frame ();
  bench.open_case_ms = (frame - start) / 1000.0;
  g_printerr ("bench-ui: case open in %.0f ms\n", bench.open_case_ms);

  set_phase ("open chronology");
  pages = lia_ui_wait_for ("case-pages");
  start = g_get_monotonic_time ();
  adw_view_stack_set_visible_child_name (ADW_VIEW_STACK (pages), "chronology");
  list = lia_ui_wait_for ("chronology-list");
  frame = wait_for_frame ();
  bench.chronology_ready_ms = (frame - start) / 1000.0;
  g_printerr ("bench-ui: chronology listed in %.0f ms (%s)\n", bench.chronology_ready_ms,
              lia_ui_label_text ("chronology-count"));

  set_phase ("scroll");
  scroll_recorded (list, FALSE, &bench.fling_work, &bench.fling_interval, &bench.fling_cpu);
  scroll_recorded (list, TRUE, &bench.jump_work, &bench.jump_interval, &bench.jump_cpu);
  g_printerr ("bench-ui: scrolled %u + %u frames\n", bench.fling_work->len, bench.jump_work->len);
  set_phase ("end");
}

/* ---- the report ---------------------------------------------------------- */

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static double
percentile (GArray *sorted,
            double  p)
{
  guint i;

  if (sorted->len == 0)
    return 0;
  i = (guint) (p / 100.0 * (sorted->len - 1) + 0.5);
  return g_array_index (sorted, double, MIN (i, sorted->len - 1));
}

static void
add_distribution (JsonBuilder *b,
                  const char  *name,
                  GArray      *samples)
{
  g_array_sort (samples, compare_double);
  json_builder_set_member_name (b, name);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "frames");
  json_builder_add_int_value (b, samples->len);
  json_builder_set_member_name (b, "p50");
  json_builder_add_double_value (b, percentile (samples, 50));
  json_builder_set_member_name (b, "p95");
  json_builder_add_double_value (b, percentile (samples, 95));
  json_builder_set_member_name (b, "p99");
  json_builder_add_double_value (b, percentile (samples, 99));
  json_builder_set_member_name (b, "max");
  json_builder_add_double_value (b, samples->len > 0
                                      ? g_array_index (samples, double, samples->len - 1) : 0);
  json_builder_end_object (b);
}

static void
add_double (JsonBuilder *b,
            const char  *name,
            double       value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_double_value (b, value);
}

static void
print_report (void)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *json = NULL;
  g_autofree char *loadavg = NULL;
  g_autoptr (GArray) all_work = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) all_cpu = g_array_new (FALSE, FALSE, sizeof (double));
  GHashTableIter iter;
  gpointer key, value;

  g_array_append_vals (all_work, bench.fling_work->data, bench.fling_work->len);
  g_array_append_vals (all_work, bench.jump_work->data, bench.jump_work->len);
  g_array_append_vals (all_cpu, bench.fling_cpu->data, bench.fling_cpu->len);
  g_array_append_vals (all_cpu, bench.jump_cpu->data, bench.jump_cpu->len);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "cases");
  json_builder_add_int_value (b, n_cases);
  json_builder_set_member_name (b, "chronology_entries");
  json_builder_add_int_value (b, n_entries);
  add_double (b, "unlock_ms", bench.unlock_ms);
  add_double (b, "first_frame_after_unlock_ms", bench.first_frame_ms);
  add_double (b, "case_list_ready_after_unlock_ms", bench.list_ready_ms);
  add_double (b, "open_case_ms", bench.open_case_ms);
  add_double (b, "chronology_ready_ms", bench.chronology_ready_ms);
  json_builder_set_member_name (b, "scroll");
  json_builder_begin_object (b);
  add_distribution (b, "frame_work_ms", all_work);
  add_distribution (b, "frame_cpu_ms", all_cpu);
  add_distribution (b, "fling_frame_work_ms", bench.fling_work);
  add_distribution (b, "fling_frame_interval_ms", bench.fling_interval);
  add_distribution (b, "jump_frame_work_ms", bench.jump_work);
  add_distribution (b, "jump_frame_interval_ms", bench.jump_interval);
  add_distribution (b, "fling_frame_cpu_ms", bench.fling_cpu);
  add_distribution (b, "jump_frame_cpu_ms", bench.jump_cpu);
  json_builder_end_object (b);
  json_builder_end_object (bench.phases);
  json_builder_set_member_name (b, "phases");
  json_builder_add_value (b, json_builder_get_root (bench.phases));
  json_builder_set_member_name (b, "stalls");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "threshold_ms");
  json_builder_add_int_value (b, STALL_MS);
  json_builder_set_member_name (b, "count");
  json_builder_add_int_value (b, bench.stalls);
  add_double (b, "max_ms", bench.max_stall_ms);
  add_double (b, "max_lateness_with_cpu_wait_ms", bench.max_late_ms);
  json_builder_set_member_name (b, "max_phase");
  json_builder_add_string_value (b, bench.max_stall_phase);
  json_builder_set_member_name (b, "max_ms_by_phase");
  json_builder_begin_object (b);
  g_hash_table_iter_init (&iter, bench.phase_max);
  while (g_hash_table_iter_next (&iter, &key, &value))
    add_double (b, key, *(double *) value);
  json_builder_end_object (b);
  json_builder_end_array (bench.stall_list);
  json_builder_set_member_name (b, "list");
  json_builder_add_value (b, json_builder_get_root (bench.stall_list));
  json_builder_end_object (b);
  if (g_file_get_contents ("/proc/loadavg", &loadavg, NULL, NULL))
    {
      json_builder_set_member_name (b, "loadavg");
      json_builder_add_string_value (b, g_strstrip (loadavg));
    }
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json = json_generator_to_data (gen, NULL);
  g_print ("%s\n", json);
}

/* ---- the store ------------------------------------------------------------ */

static char *
build_store (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LiaStore) store = NULL;
  g_autoptr (GPtrArray) orgs = g_ptr_array_new_with_free_func ((GDestroyNotify) lia_org_free);
  g_autoptr (GRand) rand = g_rand_new_with_seed (20261121);
  g_autofree char *dir = NULL;
  g_autofree char *big_case = NULL;
  static const char *const names[] = {
    "Northmoor Borough Council", "Northmoor ICB", "Northmoor Police", "IOPC team", "Ashgrove School"
  };
  static const LiaOrgKind kinds[] = {
    LIA_ORG_KIND_LOCAL_AUTHORITY, LIA_ORG_KIND_ICB, LIA_ORG_KIND_POLICE, LIA_ORG_KIND_IOPC,
    LIA_ORG_KIND_AGENCY
  };

  if (dir_option != NULL)
    dir = g_strdup (dir_option);
  else
    {
      g_autofree char *parent = g_dir_make_tmp ("bench-ui-XXXXXX", &error);

      lia_bench_check (parent != NULL, error);
      dir = g_build_filename (parent, "store", NULL);
    }
  store = lia_store_new (dir);
  if (lia_store_exists (store))
    return g_steal_pointer (&dir);
  lia_bench_check (lia_store_create (store, names[0], kinds[0], PASSPHRASE, NULL, &error), error);
  g_ptr_array_add (orgs, lia_store_get_self (store, NULL));
  for (guint i = 1; i < G_N_ELEMENTS (names); i++)
    {
      LiaOrg *org = lia_store_add_org (store, names[i], kinds[i], &error);

      lia_bench_check (org != NULL, error);
      g_ptr_array_add (orgs, org);
    }
  lia_bench_populate (store, orgs, rand, n_cases, n_entries, &big_case);
  lia_store_lock (store);
  return g_steal_pointer (&dir);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new ("- the desktop application at scale");
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = NULL;
  int status;

  g_option_context_add_main_entries (context, options, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("bench-ui: %s\n", error->message);
      return 1;
    }
  if (g_getenv ("DISPLAY") == NULL)
    {
      g_printerr ("bench-ui: no X display; run it under xvfb-run (see the top of bench-ui.c)\n");
      return 1;
    }
  lia_ui_test_setup_environment ();
  g_setenv ("GSETTINGS_SCHEMA_DIR", LIAISON_SCHEMA_DIR, TRUE);
  {
    /* The window opens at 1280 × 820 as a person's would at the size it
     * was last closed at (the settings are in memory, this process's
     * only): resizing it once it is up would paint it afresh while the
     * watchdog counts, which no person's unlocking does. */
    g_autoptr (GSettings) settings = g_settings_new (APPLICATION_ID);

    g_settings_set_int (settings, "window-width", 1280);
    g_settings_set_int (settings, "window-height", 820);
  }
  lia_crypto_init ();
  lia_crypt_vfs_register ();
  dir = build_store ();

  bench.phase = "start";
  bench.phases = json_builder_new ();
  json_builder_begin_object (bench.phases);
  bench.stall_list = json_builder_new ();
  json_builder_begin_array (bench.stall_list);
  bench.phase_max = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  {
    const char *args[] = { "--store", dir, NULL };

    status = lia_ui_test_run_app (args, scenario, NULL);
  }
  if (status != 0)
    return status;
  print_report ();
  return 0;
}
