/* SPDX-License-Identifier: MIT */
/* fuzz/fuzz_trace.c: the vtdtrace parser and replay on arbitrary text
 * (issue 8).  A trace that parses is replayed; its RAM is capped so that
 * a fuzzed `ram` line cannot ask for more than sparse memory gives. */
#include <stdlib.h>

#include "fuzz_common.h"
#include "trace/replay.h"
#include "trace/trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct trace *t = NULL;
    char err[256];
    if (trace_parse("fuzz.vtdt", (const char *)data, size, &t, err,
                    sizeof(err)) == 0) {
        struct replay_opts opts = { .explain = (size & 1) != 0 };
        struct replay_hooks hooks = { 0 };
        struct replay_summary sum = { 0 };
        replay_trace(t, &opts, &hooks, &sum, err, sizeof(err));
        trace_free(t);
    }
    return 0;
}
