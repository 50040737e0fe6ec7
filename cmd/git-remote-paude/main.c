/* SPDX-License-Identifier: MIT */
/* git-remote-paude: the git remote helper for paude:: URLs (placeholder). */
#include <stdio.h>

int
main(void)
{
	fprintf(stderr, "git-remote-paude: not implemented yet\n");
	return 1;
}
