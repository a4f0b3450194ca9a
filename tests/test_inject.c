/* SPDX-License-Identifier: MIT */
/*
 * tests/test_inject.c: the host fails under the unit (issue 18 item 1,
 * sampled).
 *
 * test_inject [--pairs P | --all] [--seed S] ITEM...
 * An ITEM is a trace, a folder (searched for *.vtdt), or FOLDER=MACHINE.dtb
 * (as test_snapshot_corpus).  Each trace is replayed once with a counting
 * injector (machine/board.h: board_set_inject) to learn how many host
 * calls its units make (read, write, cmpxchg64, msi_send, and towards
 * the devices devtlb_inval and page_response); then P random
 * (trace, N, mode) triples are replayed with the Nth call failing:
 *   once    only call N fails, the host recovers at once;
 *   window  calls N .. N+K-1 fail (K in 1..64), then it recovers;
 *   forever every call from N on fails.
 * With --all instead: every N of every trace, once and forever (the
 * exhaustive sweep; the corpus in traces/ makes fewer than a thousand
 * host calls, so CI runs it whole).
 * Checked after every command of every run: the fault accounting identity
 * of every unit (detected = recorded + suppressed + collapsed + overflow),
 * that the unit answers a register read, and that vtd_save() accepts its
 * state (it refuses an inconsistent one); for the device-side calls, what
 * the spec makes of them (below); after a failing run the same
 * trace replayed without failures must give the baseline verdicts (no
 * state leaks between runs); the replay must finish (0) or stop with a
 * message (-EINVAL), never crash (the suite runs under ASan/UBSan in CI's
 * sanitizer build).  Prints the figures: pairs, host calls failed, runs
 * whose expectations all still passed.
 *
 * The device-side calls (issue 18; docs/robustness.md):
 *   devtlb_inval failed: the Invalidate Request never reaches the
 *     endpoint, so no Invalidation Completion can come for it: the
 *     device-TLB invalidation response time-out of VT-d 6.5.2.11, which
 *     the unit detects at once (include/vtd/vtd.h).  After that command
 *     FSTS.ITE must be set, IQERCD.ITESID must name the device (11.4.9.9;
 *     when ITE was clear before the command) and the queue must have
 *     stopped with IQH on the descriptor (IQH != IQT: the wait
 *     descriptors behind it not completed, 6.5.2.12's last rule).
 *   page_response failed: a posted message lost on its way; the unit has
 *     no completion for it (7.6, 7.8) and cannot know: when the failed
 *     calls of a command were all page responses and nothing failed
 *     before, the unit's registers after it (FSTS, IQH, IQT, IQERCD, ICS,
 *     PQH, PQT, PRS, GSTS) and its fault count must be the same as in the
 *     run with a healthy host.
 */
#include <errno.h>
#include <glib.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vtd/layout.h>
#include <vtd/vtd.h>

#include "machine/board.h"
#include "trace/replay.h"
#include "trace/trace.h"

enum mode { M_COUNT, M_ONCE, M_WINDOW, M_FOREVER };

/* The device-TLB invalidations failed since the last command ended. */
#define MAX_DEVTLB_FAILS 8

struct inj {
    enum mode mode;
    unsigned long calls;    /* host calls seen */
    unsigned long fail_at;  /* 1-based */
    unsigned long window;
    unsigned long failed;
    unsigned long by_op[BOARD_OP_COUNT];
    /* Since the last command ended (on_state resets them). */
    unsigned long cmd_failed, cmd_page_resp;
    unsigned ndevtlb;
    struct { unsigned unit; uint16_t sid; } devtlb[MAX_DEVTLB_FAILS];
    bool devtlb_more;       /* more than MAX_DEVTLB_FAILS */
};

static bool injector(void *ctx, unsigned unit, enum board_host_op op,
                     uint16_t sid)
{
    struct inj *in = ctx;
    unsigned long n = ++in->calls;
    bool fail = false;
    switch (in->mode) {
    case M_COUNT:
        break;
    case M_ONCE:
        fail = n == in->fail_at;
        break;
    case M_WINDOW:
        fail = n >= in->fail_at && n < in->fail_at + in->window;
        break;
    case M_FOREVER:
        fail = n >= in->fail_at;
        break;
    }
    if (fail) {
        in->failed++;
        in->by_op[op]++;
        in->cmd_failed++;
        if (op == BOARD_OP_PAGE_RESP)
            in->cmd_page_resp++;
        if (op == BOARD_OP_DEVTLB) {
            if (in->ndevtlb < MAX_DEVTLB_FAILS) {
                in->devtlb[in->ndevtlb].unit = unit;
                in->devtlb[in->ndevtlb].sid = sid;
                in->ndevtlb++;
            } else {
                in->devtlb_more = true;
            }
        }
    }
    return fail;
}

/* What a unit shows after a command (compared with the healthy run). */
static const unsigned fp_regs[] = {
    VTD_REG_GSTS, VTD_REG_FSTS, VTD_REG_IQH, VTD_REG_IQT, VTD_REG_IQERCD,
    VTD_REG_ICS, VTD_REG_PQH, VTD_REG_PQT, VTD_REG_PRS,
};
#define FP_WORDS (G_N_ELEMENTS(fp_regs) + 1)
#define MAX_UNITS 16

struct run {
    unsigned long passed, failed;
    char problem[400];
    struct inj *in;
    GArray *fp;             /* the healthy run's fingerprints: recorded
                               (in->mode == M_COUNT) or compared */
    unsigned long ncmd;     /* commands done */
    bool failed_before;     /* a call failed in an earlier command */
    unsigned long devtlb_checked, resp_checked;   /* the checks made */
    uint32_t fsts_before[MAX_UNITS];   /* FSTS after the last command */
};

static void on_result(void *ctx, const struct replay_result *r)
{
    struct run *run = ctx;
    if (r->pass)
        run->passed++;
    else
        run->failed++;
}

static bool on_state(void *ctx, unsigned line, struct vtd_iommu *const *units,
                     const uint64_t *bases, size_t nunits,
                     struct guestmem *mem)
{
    struct run *run = ctx;
    struct inj *in = run->in;
    (void)bases;
    (void)mem;
    unsigned long cmd = run->ncmd++;
    /* page_response: the unit cannot know (see the top). */
    bool same_as_healthy = in->mode != M_COUNT && !run->failed_before &&
                           in->cmd_failed &&
                           in->cmd_failed == in->cmd_page_resp;
    for (size_t i = 0; i < nunits && i < MAX_UNITS && !run->problem[0];
         i++) {
        uint64_t fp[FP_WORDS];
        for (size_t k = 0; k < G_N_ELEMENTS(fp_regs); k++) {
            fp[k] = 0;
            (void)vtd_mmio_read(units[i], fp_regs[k],
                                fp_regs[k] == VTD_REG_IQERCD ||
                                fp_regs[k] == VTD_REG_IQH ||
                                fp_regs[k] == VTD_REG_IQT ||
                                fp_regs[k] == VTD_REG_PQH ||
                                fp_regs[k] == VTD_REG_PQT ? 8 : 4, &fp[k]);
        }
        struct vtd_stats fs;
        vtd_get_stats(units[i], &fs);
        fp[FP_WORDS - 1] = fs.faults_detected;
        size_t at = (cmd * MAX_UNITS + i) * FP_WORDS;
        if (in->mode == M_COUNT) {
            if (run->fp->len < at + FP_WORDS)
                g_array_set_size(run->fp, at + FP_WORDS);
            memcpy(&g_array_index(run->fp, uint64_t, at), fp, sizeof(fp));
        } else if (same_as_healthy) {
            run->resp_checked++;
            if (!run->fp || run->fp->len < at + FP_WORDS)
                snprintf(run->problem, sizeof(run->problem),
                         "line %u: more commands than the healthy run",
                         line);
            else
                for (size_t k = 0; k < FP_WORDS; k++) {
                    uint64_t want = g_array_index(run->fp, uint64_t, at + k);
                    if (fp[k] != want) {
                        snprintf(run->problem, sizeof(run->problem),
                                 "line %u unit %zu: a lost page group "
                                 "response changed what the unit shows "
                                 "(%s 0x%" PRIx64 ", healthy 0x%" PRIx64
                                 ")", line, i,
                                 k < G_N_ELEMENTS(fp_regs) ? "register"
                                                           : "faults",
                                 fp[k], want);
                        break;
                    }
                }
        }
        /* devtlb_inval: 6.5.2.11's time-out (see the top). */
        bool devtlb_failed = false, sid_named = false;
        for (unsigned d = 0; d < in->ndevtlb; d++) {
            if (in->devtlb[d].unit != i)
                continue;
            devtlb_failed = true;
            if (VTD_FIELD_GET(fp[4], IQERCD, ITESID) == in->devtlb[d].sid)
                sid_named = true;
        }
        if (devtlb_failed && !run->problem[0]) {
            run->devtlb_checked++;
            bool ite_before = VTD_FIELD_GET(run->fsts_before[i], FSTS, ITE);
            if (!VTD_FIELD_GET(fp[1], FSTS, ITE))
                snprintf(run->problem, sizeof(run->problem),
                         "line %u unit %zu: a device-TLB invalidation not "
                         "delivered, but FSTS.ITE clear (0x%" PRIx64 ")",
                         line, i, fp[1]);
            else if (!ite_before && !in->devtlb_more && !sid_named)
                snprintf(run->problem, sizeof(run->problem),
                         "line %u unit %zu: IQERCD.ITESID 0x%" PRIx64
                         " is not the device whose invalidation failed",
                         line, i, VTD_FIELD_GET(fp[4], IQERCD, ITESID));
            else if ((fp[0] & VTD_GSTS_QIES) && fp[2] == fp[3])
                snprintf(run->problem, sizeof(run->problem),
                         "line %u unit %zu: a device-TLB invalidation not "
                         "delivered, but the queue is empty (IQH = IQT = "
                         "0x%" PRIx64 ")", line, i, fp[2]);
        }
        run->fsts_before[i] = (uint32_t)fp[1];
        struct vtd_stats st;
        vtd_get_stats(units[i], &st);
        if (st.faults_detected != st.faults_recorded +
                                      st.faults_suppressed +
                                      st.faults_collapsed +
                                      st.faults_overflow)
            snprintf(run->problem, sizeof(run->problem),
                     "line %u unit %zu: fault accounting does not add up",
                     line, i);
        uint64_t v;
        if (vtd_mmio_read(units[i], VTD_REG_GSTS, 4, &v) != 0)
            snprintf(run->problem, sizeof(run->problem),
                     "line %u unit %zu: register read refused", line, i);
        size_t need = 0;
        int rc = vtd_save(units[i], NULL, 0, &need);
        if (rc != 0 && rc != -ENOSPC)
            snprintf(run->problem, sizeof(run->problem),
                     "line %u unit %zu: vtd_save refuses the state (%d)",
                     line, i, rc);
    }
    if (in->cmd_failed)
        run->failed_before = true;
    in->cmd_failed = in->cmd_page_resp = 0;
    in->ndevtlb = 0;
    in->devtlb_more = false;
    return true;
}

static int replay(const struct trace *t, struct inj *in, struct run *run,
                  char *err, size_t errlen)
{
    struct replay_hooks hooks = { .ctx = run, .result = on_result,
                                  .state = on_state };
    struct replay_opts opts = { 0 };
    struct replay_summary sum = { 0 };
    run->in = in;
    board_set_inject(injector, in);
    int rc = replay_trace(t, &opts, &hooks, &sum, err, errlen);
    board_set_inject(NULL, NULL);
    return rc;
}

struct item {
    char *path;
    struct trace *t;
    unsigned long calls;
    struct run base;
    GArray *fp;             /* the healthy run's fingerprints */
};

int main(int argc, char **argv)
{
    unsigned long pairs = 3000;
    guint32 seed = 18;
    bool all = false;
    int a = 1;
    if (a < argc && strcmp(argv[a], "--all") == 0) {
        all = true;
        a++;
    }
    for (; a + 1 < argc && argv[a][0] == '-'; a += 2) {
        if (strcmp(argv[a], "--pairs") == 0)
            pairs = strtoul(argv[a + 1], NULL, 0);
        else if (strcmp(argv[a], "--seed") == 0)
            seed = (guint32)strtoul(argv[a + 1], NULL, 0);
        else
            break;
    }
    GArray *items = g_array_new(FALSE, TRUE, sizeof(struct item));
    unsigned long bad = 0;
    for (; a < argc; a++) {
        char *dir = g_strdup(argv[a]);
        char *machine = strchr(dir, '=');
        if (machine)
            *machine++ = '\0';
        if (!g_file_test(dir, G_FILE_TEST_EXISTS)) {
            fprintf(stderr, "skipped (not there): %s\n", dir);
            g_free(dir);
            continue;
        }
        char err[512];
        char *args[1] = { dir };
        char **files = replay_collect_files(args, 1, err, sizeof(err));
        for (char **f = files; f && *f; f++) {
            struct item it = { .path = g_strdup(*f) };
            int rc = machine ? trace_load_on_machine(*f, machine, &it.t,
                                                     err, sizeof(err))
                             : trace_load(*f, &it.t, err, sizeof(err));
            if (rc < 0) {
                printf("not ok %s: cannot load: %s\n", *f, err);
                bad++;
                g_free(it.path);
                continue;
            }
            struct inj in = { .mode = M_COUNT };
            it.fp = g_array_new(FALSE, TRUE, sizeof(uint64_t));
            it.base.fp = it.fp;
            rc = replay(it.t, &in, &it.base, err, sizeof(err));
            if (it.base.problem[0]) {
                printf("not ok %s (no failure): %s\n", *f, it.base.problem);
                bad++;
            }
            it.calls = in.calls;
            g_array_append_val(items, it);
        }
        g_strfreev(files);
        g_free(dir);
    }
    unsigned long total_calls = 0;
    for (guint i = 0; i < items->len; i++)
        total_calls += g_array_index(items, struct item, i).calls;
    if (items->len == 0 || total_calls == 0) {
        printf("no traces with host calls\n");
        return 77;
    }
    GRand *rng = g_rand_new_with_seed(seed);
    unsigned long runs = 0, failed_calls = 0, all_passed = 0, stopped = 0;
    unsigned long devtlb_checked = 0, resp_checked = 0;
    unsigned long by_op[BOARD_OP_COUNT] = { 0 }, by_mode[4] = { 0 };
    if (all)
        pairs = 2 * total_calls;
    guint all_i = 0;
    unsigned long all_n = 0;
    for (unsigned long p = 0; p < pairs; p++) {
        guint i = 0;
        struct inj in = {
            .mode = (enum mode)g_rand_int_range(rng, M_ONCE, M_FOREVER + 1),
            .window = (unsigned long)g_rand_int_range(rng, 1, 65),
        };
        if (all) {
            /* Every (trace, N), first once then forever. */
            while (all_i < items->len &&
                   all_n >= 2 * g_array_index(items, struct item,
                                              all_i).calls) {
                all_i++;
                all_n = 0;
            }
            if (all_i >= items->len)
                break;
            i = all_i;
            in.mode = all_n % 2 ? M_FOREVER : M_ONCE;
            in.fail_at = all_n / 2 + 1;
            all_n++;
        } else {
            /* A trace weighted by its host calls, N uniform in it. */
            unsigned long pick = (unsigned long)g_rand_double_range(
                rng, 0, (double)total_calls);
            while (i + 1 < items->len &&
                   pick >= g_array_index(items, struct item, i).calls) {
                pick -= g_array_index(items, struct item, i).calls;
                i++;
            }
        }
        struct item *it = &g_array_index(items, struct item, i);
        if (!it->calls)
            continue;
        if (!all)
            in.fail_at = (unsigned long)g_rand_int_range(
                rng, 1, (gint32)it->calls + 1);
        struct run run = { .fp = it->fp };
        char err[512] = "";
        int rc = replay(it->t, &in, &run, err, sizeof(err));
        runs++;
        by_mode[in.mode]++;
        failed_calls += in.failed;
        devtlb_checked += run.devtlb_checked;
        resp_checked += run.resp_checked;
        for (int k = 0; k < BOARD_OP_COUNT; k++)
            by_op[k] += in.by_op[k];
        if (rc == -EINVAL)
            stopped++;
        else if (rc != 0) {
            printf("not ok %s N=%lu mode %d: replay returned %d: %s\n",
                   it->path, in.fail_at, in.mode, rc, err);
            bad++;
        }
        if (run.problem[0]) {
            printf("not ok %s N=%lu mode %d: %s\n", it->path, in.fail_at,
                   in.mode, run.problem);
            bad++;
        }
        if (run.failed == 0)
            all_passed++;
        /* Recovery: the same trace, host well again, new machine: the
         * baseline verdicts (nothing kept from the failing run). */
        if (p % 16 == 0) {
            struct inj ok = { .mode = M_COUNT };
            struct run again = { .fp = g_array_new(FALSE, TRUE,
                                                   sizeof(uint64_t)) };
            replay(it->t, &ok, &again, err, sizeof(err));
            /* ... and shows the same registers after every command. */
            if (!again.problem[0] &&
                (again.fp->len != it->fp->len ||
                 memcmp(again.fp->data, it->fp->data,
                        it->fp->len * sizeof(uint64_t)) != 0))
                snprintf(again.problem, sizeof(again.problem),
                         "registers differ from the baseline run");
            g_array_free(again.fp, TRUE);
            if (again.passed != it->base.passed ||
                again.failed != it->base.failed || again.problem[0]) {
                printf("not ok %s: after a failing run %lu/%lu passed, "
                       "baseline %lu/%lu %s\n", it->path, again.passed,
                       again.failed, it->base.passed, it->base.failed,
                       again.problem);
                bad++;
            }
        }
    }
    printf("%u traces, %lu host calls in all; %lu runs (once %lu, window "
           "%lu, forever %lu), %lu host calls failed (read %lu, write %lu, "
           "cmpxchg64 %lu, msi %lu, devtlb_inval %lu, page_response %lu); "
           "%lu runs passed every expectation anyway, %lu stopped with a "
           "message; %lu problems\n"
           "checked: %lu commands with an undelivered device-TLB "
           "invalidation (ITE, ITESID, queue stopped), %lu unit states "
           "after lost page group responses (same as a healthy host)\n",
           items->len, total_calls, runs, by_mode[M_ONCE], by_mode[M_WINDOW],
           by_mode[M_FOREVER], failed_calls, by_op[BOARD_OP_READ],
           by_op[BOARD_OP_WRITE], by_op[BOARD_OP_CMPXCHG], by_op[BOARD_OP_MSI],
           by_op[BOARD_OP_DEVTLB], by_op[BOARD_OP_PAGE_RESP], all_passed,
           stopped, bad, devtlb_checked, resp_checked);
    g_rand_free(rng);
    for (guint i = 0; i < items->len; i++) {
        struct item *it = &g_array_index(items, struct item, i);
        trace_free(it->t);
        g_array_free(it->fp, TRUE);
        g_free(it->path);
    }
    g_array_free(items, TRUE);
    return bad ? 1 : 0;
}
