/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for what the cluster backend reads: `get statefulsets -o
 * json` output (paude_kube_parse_statefulsets) and the local session index
 * (paude_index_parse). The first byte picks the parser. Anything may be
 * rejected; nothing may crash, leak or produce a session with an invalid
 * name.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "paude/session/index.h"
#include "paude/backend/kube.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const char *text = (const char *)data + 1;
	size_t len = size - 1;
	if (data[0] & 1) {
		struct paude_index ix = { 0 };
		if (paude_index_parse(&ix, text, len, NULL) == 0)
			for (size_t i = 0; i < ix.nr; i++)
				if (paude_session_name_validate(ix.v[i].name, NULL) < 0 ||
				    !ix.v[i].where.namespace ||
				    ix.v[i].where.kind != PAUDE_LOCATION_CLUSTER)
					abort();
		paude_index_release(&ix);
		return 0;
	}
	struct paude_session_list l = { 0 };
	if (paude_kube_parse_statefulsets(&l, text, len, "ctx/ns", NULL) == 0)
		for (size_t i = 0; i < l.nr; i++)
			if (paude_session_name_validate(l.v[i].name, NULL) < 0 || !l.v[i].status ||
			    strcmp(l.v[i].backend, "openshift") != 0)
				abort();
	paude_session_list_release(&l);
	return 0;
}
