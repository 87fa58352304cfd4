// Background ingest jobs: `start` runs syncFolder for a folder source and answers as soon as the job exists,
// so a client polls the job instead of holding a request open for the whole sync. One sync per collection
// at a time in this process. The job row, its stats and the per-file states live in the store (written by
// syncFolder, crash-safe); this module only adds live progress while a job runs.
import { StrataError } from '../core/errors.js';
import type { StrataConfig } from '../core/config.js';
import type { Job } from '../core/types.js';
import { syncFolder } from '../ingest/sync.js';
import { catchUpAfterIngest } from '../search/semantic.js';
import { indexTextWith } from '../search/service.js';
import type { Store } from '../store/types.js';
import type { IngestJobs, JobOutcome, JobProgress, LogFn } from './types.js';

export function createIngestJobs(deps: { store: Store; config: StrataConfig; log?: LogFn }): IngestJobs {
  const running = new Map<string, Promise<unknown>>(); // by collection id
  const progress = new Map<string, JobProgress>(); // by job id

  return {
    async start({ collection, source, audit, onDone }) {
      if (running.has(collection.id)) {
        throw new StrataError('server:jobs', 'conflict', `collection "${collection.name}" is already being synced`, {
          hint: 'wait for the running job to finish (GET /v1/jobs?collection=…), then start another',
        });
      }
      let started!: (job: Job) => void;
      let jobId: string | undefined;
      const jobCreated = new Promise<Job>((resolve) => (started = resolve));
      // syncFolder creates its job itself; a thin wrapper over the store hands us the job as soon as it exists.
      const store: Store = Object.create(deps.store, {
        startJob: {
          value: async (input: Parameters<Store['startJob']>[0]) => {
            const job = await deps.store.startJob(input);
            jobId = job.id;
            progress.set(job.id, { done: 0, total: 0 });
            started(job);
            return job;
          },
        },
      });
      const run = syncFolder({
        store,
        collection,
        root: source.path,
        ingest: deps.config.ingest,
        indexText: indexTextWith(collection.settings.analyzer.name),
        audit: audit && { workspaceId: collection.workspaceId, ...audit },
        onProgress: (p) => jobId && progress.set(jobId, { done: p.done, total: p.total }),
      }).then(async (report) => {
        // New chunks get vectors for the collection's active index version before the job ends (search/semantic.ts).
        await catchUpAfterIngest(deps.store, deps.config, collection);
        return report;
      });
      const finished = run.then(
        (report) => ({ report }),
        (error: unknown) => ({ error }),
      );
      running.set(collection.id, finished);
      const failedEarly = finished.then((r) => ('error' in r ? r : new Promise<never>(() => undefined)));
      const first = await Promise.race([jobCreated.then((job) => ({ job })), failedEarly]);
      if ('error' in first) {
        running.delete(collection.id);
        throw first.error; // failed before a job existed (e.g. the store is unavailable)
      }
      const { job } = first;
      const settled = finished.then(async (r) => {
        try {
          const [latest] = (await deps.store.listJobs(collection.id, 50)).filter((j) => j.id === job.id);
          const outcome = { job: latest ?? job, ...r } as JobOutcome;
          if ('error' in r) deps.log?.('warn', 'ingest job failed', { jobId: job.id, error: String(r.error) });
          const audit = onDone?.(outcome) ?? [];
          if (audit.length) await deps.store.appendAudit(audit);
        } catch (e) {
          deps.log?.('error', 'could not record the end of an ingest job', { jobId: job.id, error: String(e) });
        } finally {
          running.delete(collection.id);
          progress.delete(job.id);
        }
      });
      running.set(collection.id, settled);
      return job;
    },
    progress(jobId) {
      return progress.get(jobId);
    },
    async idle() {
      while (running.size > 0) await Promise.allSettled([...running.values()]);
    },
  };
}
