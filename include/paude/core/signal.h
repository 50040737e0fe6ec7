/* SPDX-License-Identifier: MIT */
/*
 * Interruption. Ctrl-C (SIGINT), SIGTERM and SIGHUP must not kill paude in
 * the middle of creating something: the handler only records the signal.
 * Children still get the default action (exec resets handled signals), so a
 * child the terminal interrupted fails, and the code that started it rolls
 * back. Long operations call paude_signal_check() between steps.
 */
#ifndef PAUDE_SIGNAL_H
#define PAUDE_SIGNAL_H

#include "paude/core/error.h"

/* Record INT, TERM and HUP instead of dying. Call once, early in main. */
void paude_signal_install(void);
/* The first signal recorded, or 0. */
int paude_signal_pending(void);
/* PAUDE_EINTR ("interrupted by SIGINT") if a signal was recorded, else 0. */
int paude_signal_check(struct paude_error **err);
/* For tests: forget a recorded signal. */
void paude_signal_reset(void);

#endif
