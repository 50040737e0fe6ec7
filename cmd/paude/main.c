/* SPDX-License-Identifier: MIT */
/* paude: the command-line entry point (placeholder while the CLI is written). */
#include <stdio.h>
#include "paude/log.h"
#include "cmd.h"

int
main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	paude_log_init("paude");
	printf("paude %s\n", PAUDE_VERSION);
	return 0;
}
