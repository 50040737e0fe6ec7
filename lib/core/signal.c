/* SPDX-License-Identifier: MIT */
#include <signal.h>
#include <string.h>
#include "paude/core/signal.h"
#include "core/banned.h"

static volatile sig_atomic_t pending;

static void
record(int sig)
{
	if (!pending)
		pending = sig;
}

void
paude_signal_install(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = record;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a blocking wait returns EINTR and the caller looks. */
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		sigaction(sigs[i], &sa, NULL);
}

int
paude_signal_pending(void)
{
	return pending;
}

void
paude_signal_reset(void)
{
	pending = 0;
}

int
paude_signal_check(struct paude_error **err)
{
	int sig = pending;
	if (!sig)
		return 0;
	return paude_error_set(err, PAUDE_EINTR, 0, "interrupted by %s",
			       sigabbrev_np(sig) ? sigabbrev_np(sig) : "a signal");
}
