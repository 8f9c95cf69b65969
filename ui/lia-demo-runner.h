/* lia-demo-runner.h: the live demonstration, four organisations on one machine.
 *
 * `liaison --demo` shows Liaison working between organisations without
 * anyone setting anything up: in a new temporary directory it makes the
 * stores of the demonstration case's council, integrated care board,
 * police force and IOPC team (data/demo/, liaison-cli init and demo load),
 * makes them peers of one another (their invite codes, with endpoints on
 * 127.0.0.1, added and verified), and has the council, which leads the
 * case, share its records with the other three. It runs the other three as
 * headless nodes (liaison-cli serve on loopback); the window is the
 * council's. Once the case has reached each node, the node loads its own
 * part of the demonstration into it (demo load --into) and shares it with
 * the council, whose window sees the records arrive.
 *
 * Every process it starts is stopped, and the directory removed, by
 * lia_demo_runner_stop(). The work is done by liaison-cli in child
 * processes, so nothing here waits on the main thread.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define LIA_TYPE_DEMO_RUNNER (lia_demo_runner_get_type ())
G_DECLARE_FINAL_TYPE (LiaDemoRunner, lia_demo_runner, LIA, DEMO_RUNNER, GObject)

/* Makes the temporary directory (its only work on the calling thread).
 * NULL with an error if it cannot. */
LiaDemoRunner *lia_demo_runner_new (GError **error);

/* The council's store, which the window opens, and its passphrase. */
const char    *lia_demo_runner_get_council_store (LiaDemoRunner *self);
const char    *lia_demo_runner_get_passphrase (LiaDemoRunner *self);
/* The demonstration case's id, once prepared. */
const char    *lia_demo_runner_get_case_id (LiaDemoRunner *self);
/* Where the council's own node (the window's sync engine) listens. */
const char    *lia_demo_runner_get_council_endpoint (LiaDemoRunner *self);

/* Makes the four stores, loads the council's part of the case, makes the
 * organisations peers and starts the three other nodes. */
void           lia_demo_runner_prepare_async (LiaDemoRunner      *self,
                                              GCancellable       *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer            user_data);
gboolean       lia_demo_runner_prepare_finish (LiaDemoRunner *self,
                                               GAsyncResult  *result,
                                               GError       **error);

/* Once the council's node runs: each other node, when the case has reached
 * it, loads its part and shares it with the council. Progress and
 * failures go to ::message. */
void           lia_demo_runner_start_others (LiaDemoRunner *self);

/* Stops every process it started and removes the directory. Waits for
 * the processes to end (briefly): for shutting down. */
void           lia_demo_runner_stop (LiaDemoRunner *self);

/* The liaison-cli that the desktop application runs beside it: $LIAISON_CLI,
 * or the one installed (or built) next to it, or the one in PATH; NULL if
 * none. */
char          *lia_find_cli (void);

G_END_DECLS
