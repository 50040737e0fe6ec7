/* SPDX-License-Identifier: MIT */
/* A unit test's temporary tree: files written into it, and its removal. */
#ifndef SCRATCH_H
#define SCRATCH_H

/* Remove dir and everything under it, depth first, following no link. */
void scratch_remove(const char *dir);

/* Write text to dir/rel, making the directories on the way (asserts). */
void scratch_write(const char *dir, const char *rel, const char *text);

#endif
