/* dispatch_jobs.c: the vstor program (VSTOR_PROGRAM) — listing and cancelling the driver's
 * long jobs, which libvirt's protocol has no procedures for. Cancel is refused read-only; pool
 * access rules show only jobs of visible pools and let cancel what the client could start. */
#include <string.h>

#include "daemon/daemon.h"
#include "util/error.h"

#define DRV(c) vstor_server_driver(vstor_client_server(c))

static int
proc_list_jobs(VstorClient *c, const vstor_message_header *hdr, void *args, void *ret, GError **err)
{
    vstor_list_jobs_args *a = args;
    vstor_list_jobs_ret *r = ret;
    g_auto(VstorPoolId) pool = {0};
    g_autoptr(GPtrArray) jobs = NULL;

    if (a->flags) {
        vstor_error_set(err, VSTOR_ERR_INVALID_ARG, "unsupported flags (0x%x) in function %s",
                        a->flags, "vstorConnectListJobs");
        return -1;
    }
    if (a->pool &&
        vstor_access_check_pool(c, a->pool, VSTOR_ACCESS_SEE, "vstorConnectListJobs", err) < 0)
        return -1;
    if (a->pool)
        vstor_wire_pool_to_id(a->pool, &pool);
    if (!(jobs = vstor_driver_job_list(DRV(c), a->pool ? &pool : NULL, err)))
        return -1;
    for (guint i = jobs->len; i-- > 0;) {
        if (!vstor_access_may_see(c, ((VstorJobInfo *)jobs->pdata[i])->pool))
            g_ptr_array_remove_index(jobs, i);
    }
    if (jobs->len > VSTOR_JOB_LIST_MAX) {
        vstor_error_set(err, VSTOR_ERR_RPC, "too many jobs to list: %u", jobs->len);
        return -1;
    }
    /* Replies are released with xdr_free, which uses free(); GLib allocates with malloc. */
    r->jobs.jobs_len = jobs->len;
    r->jobs.jobs_val = g_new0(vstor_job_info, MAX(jobs->len, 1));
    for (guint i = 0; i < jobs->len; i++) {
        const VstorJobInfo *j = jobs->pdata[i];
        vstor_job_info *w = &r->jobs.jobs_val[i];

        w->id = j->id;
        w->kind = g_strdup(vstor_job_kind_to_string(j->kind));
        w->pool = g_strdup(j->pool ? j->pool : "");
        if (j->vol) {
            w->vol = g_new0(remote_nonnull_string, 1);
            *w->vol = g_strdup(j->vol);
        }
        w->done = j->done;
        w->total = j->total;
    }
    return 0;
}

/* Cancelling a job needs what starting it needed: 'use' for a volume job, 'manage' for a pool
 * job. A job in a pool the client may not see does not exist for it. */
static int
check_cancel(VstorClient *c, guint64 id, GError **err)
{
    g_autoptr(GPtrArray) jobs = vstor_driver_job_list(DRV(c), NULL, err);

    if (!jobs)
        return -1;
    for (guint i = 0; i < jobs->len; i++) {
        const VstorJobInfo *j = jobs->pdata[i];
        VstorAccessLevel need = j->vol ? VSTOR_ACCESS_USE : VSTOR_ACCESS_MANAGE;
        VstorAccessLevel have;

        if (j->id != id)
            continue;
        have = vstor_access_client_level(c, j->pool);
        if (have >= need)
            return 0;
        if (have == VSTOR_ACCESS_NONE)
            break;
        vstor_error_set(err, VSTOR_ERR_ACCESS_DENIED,
                        "'storage' denied access (vstorConnectCancelJob needs '%s' on pool '%s')",
                        vstor_access_level_name(need), j->pool);
        return -1;
    }
    /* The driver's words for a job that is not running. */
    vstor_error_set(err, VSTOR_ERR_INVALID_ARG, "no running job with id %" G_GUINT64_FORMAT, id);
    return -1;
}

static int
proc_cancel_job(VstorClient *c, const vstor_message_header *hdr, void *args, void *ret,
                GError **err)
{
    vstor_cancel_job_args *a = args;

    if (a->flags) {
        vstor_error_set(err, VSTOR_ERR_INVALID_ARG, "unsupported flags (0x%x) in function %s",
                        a->flags, "vstorConnectCancelJob");
        return -1;
    }
    if (vstor_access_client_restricted(c) && check_cancel(c, a->id, err) < 0)
        return -1;
    return vstor_driver_job_cancel(DRV(c), a->id, err);
}

const VstorProc vstor_jobs_procs[] = {
    VSTOR_PROC(VSTOR_PROC_LIST_JOBS, proc_list_jobs, vstor_list_jobs_args, vstor_list_jobs_ret,
               NULL, FALSE),
    VSTOR_PROC_NORET(VSTOR_PROC_CANCEL_JOB, proc_cancel_job, vstor_cancel_job_args,
                     "vstorConnectCancelJob", FALSE),
    {0},
};
