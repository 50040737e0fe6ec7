/* SPDX-License-Identifier: MIT */
/*
 * The one sanitizer for bytes that a session, its proxy or a program run in
 * it produced, before paude prints them on the user's terminal: proxy log
 * lines, labels, the stderr of failed commands, the output of the setup
 * command. A session is untrusted; a terminal obeys escape sequences (set
 * the title, write the clipboard with OSC 52, redraw the screen), so none
 * may pass.
 *
 * What is escaped (text mode): every C0 control (U+0000..U+001F) but '\n'
 * and '\t' with PAUDE_SANITIZE_LINES, DEL, the C1 controls U+0080..U+009F,
 * the bidirectional controls that reorder what is shown (U+061C, U+200E,
 * U+200F, U+202A..U+202E, U+2066..U+2069) and every byte that is not part
 * of valid UTF-8 (overlong forms, surrogates and code points above
 * U+10FFFF included). Escapes read "\r", "\n", "\t", "\xNN" for a control
 * or an invalid byte, and "\uNNNN" for a C1 or bidirectional control.
 * Everything else, valid UTF-8 included, is copied unchanged. The result is
 * for people to read: a backslash in the input is not escaped, so the
 * mapping is not reversible.
 *
 * PAUDE_SANITIZE_JSON: the input is JSON text (json-c output, which escapes
 * C0 controls itself but copies DEL, C1 controls and invalid UTF-8 as they
 * are); every escape is then a JSON "\uNNNN" escape, invalid bytes become
 * "\ufffd", and the result is valid UTF-8 JSON that means the same strings.
 */
#ifndef PAUDE_SANITIZE_H
#define PAUDE_SANITIZE_H

#include <stddef.h>
#include "paude/core/buf.h"

enum {
	PAUDE_SANITIZE_LINES = 1u << 0, /* keep '\n' and '\t': text printed as lines */
	PAUDE_SANITIZE_JSON = 1u << 1, /* JSON text: \uNNNN escapes (see above) */
};

/*
 * A sanitizer for a stream that arrives in pieces (a child's output read
 * from a pipe): a UTF-8 sequence split between two pieces is held back
 * until the next feed, so it is judged whole.
 */
struct paude_sanitizer {
	unsigned flags;
	unsigned char pend[4];
	size_t npend;
};

void paude_sanitizer_init(struct paude_sanitizer *s, unsigned flags);
/* Append the sanitized form of in[0..len) to out (a cap on out truncates). */
void paude_sanitizer_feed(struct paude_sanitizer *s, struct paude_buf *out, const char *in,
			  size_t len);
/* End of the stream: an incomplete sequence held back is escaped. */
void paude_sanitizer_finish(struct paude_sanitizer *s, struct paude_buf *out);

/* One piece: feed and finish. */
void paude_sanitize(struct paude_buf *out, const char *in, size_t len, unsigned flags);
/* The sanitized copy of a string (NULL gives ""). Never NULL; caller frees. */
char *paude_sanitize_str(const char *s, unsigned flags);

/*
 * Copy fd `from` to fd `to` until end of file, sanitized, as it arrives
 * (a child's output shown while it runs). Neither fd is closed. EINTR is
 * retried. A write error stops the copy and fails; a read error fails
 * after what was read is written.
 */
int paude_sanitize_copy(int from, int to, unsigned flags, struct paude_error **err);

#endif
