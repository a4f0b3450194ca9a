/* SPDX-License-Identifier: MIT */
/* tools/inspect_state.c: the state a trace leaves behind (see
 * inspect_state.h), from the replay engine itself (replay_trace_hold), so
 * every v2 command (CPUs, IOAPICs, posted-interrupt descriptors) has its
 * effect on the units. */
#include "tools/inspect_state.h"

#include <errno.h>
#include <string.h>

#include <glib.h>

#include "trace/replay.h"

int inspect_state_run(const struct trace *t, unsigned at_line,
                     struct inspect_state *st, char *err, size_t errlen)
{
    if (!t || !st)
        return -EINVAL;
    memset(st, 0, sizeof(*st));
    int rc = replay_trace_hold(t, at_line, &st->held, err, errlen);
    if (rc < 0)
        return rc;
    struct vtd_iommu *const *units;
    const uint64_t *bases;
    size_t n = replay_held_units(st->held, &units, &bases);
    st->units = g_new0(struct inspect_unit, n ? n : 1);
    for (size_t i = 0; i < n; i++) {
        st->units[i].unit = units[i];
        st->units[i].base = bases[i];
    }
    st->nunits = n;
    st->mem = replay_held_mem(st->held);
    st->last_line = replay_held_last_line(st->held);
    return 0;
}

void inspect_state_free(struct inspect_state *st)
{
    if (!st)
        return;
    g_free(st->units);
    replay_held_free(st->held);
    memset(st, 0, sizeof(*st));
}

void inspect_state_src(const struct inspect_state *st, struct inspect_src *src)
{
    memset(src, 0, sizeof(*src));
    src->units = st->units;
    src->nunits = st->nunits;
    src->read = guestmem_read;
    src->opaque = st->mem;
}
