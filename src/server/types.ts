// What the HTTP layer passes between middleware and routes: the Hono environment and the app's dependencies.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StrataConfig } from '../core/config.js';
import type { Caller, Collection, Job } from '../core/types.js';
import type { SyncReport } from '../ingest/sync.js';
import type { StrataGateway } from '../gateway/gateway.js';
import type { Searcher } from '../search/service.js';
import type { AuditInput } from '../store/audit.js';
import type { FolderSource } from '../store/keys.js';
import type { Store } from '../store/types.js';
import type { JwtVerifier } from './auth/jwt.js';
import type { CallerResolver } from './auth/principals.js';

/** How the caller proved who they are; `id` keys the rate limiter and appears in audit entries. */
export interface Credential {
  kind: 'api-key' | 'jwt';
  id: string;
}

export interface AppVariables {
  requestId: string;
  caller: Caller;
  credential: Credential;
  /** Name of the caller's workspace (the caller carries its id). */
  workspaceName: string;
}

/**
 * What the runtime adapter (node.ts) gives each request. Absent under `app.request()` in tests, where routes fall
 * back to the Web Request's own signal.
 */
export interface AppBindings {
  /** Aborted when the client's connection closes: a request still running then has lost its caller. */
  clientSignal?: () => AbortSignal;
}

/**
 * Routes served on node:http before the Hono app sees the request (node.ts `listen`); `handle` returns false for the
 * requests it leaves to the app. The gateway's OpenAI POST endpoints are served this way (openai-direct.ts).
 */
export interface DirectRoutes {
  handle(req: IncomingMessage, res: ServerResponse): boolean;
}

export type AppEnv = { Variables: AppVariables; Bindings: AppBindings };

/** A structured log line; the server never logs secrets or request bodies. */
export type LogFn = (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;

export interface AppDeps {
  config: StrataConfig;
  store: Store;
  searcher: Searcher;
  /** Background ingest jobs; created from the store and config when omitted. */
  jobs?: IngestJobs;
  /** OIDC/JWT verification; built from `config.server.auth.oidc` when omitted. */
  jwt?: JwtVerifier | null;
  log?: LogFn;
  /** Clock for rate limiting and key-use stamps (tests). */
  now?: () => number;
  /** The model gateway (/v1/chat/completions, /v1/embeddings, answers); built from config `providers`/`models`/`gateway` when omitted. */
  gateway?: StrataGateway;
}

/** What route factories receive: AppDeps resolved, plus the app's shared services. */
export interface RouteDeps {
  config: StrataConfig;
  store: Store;
  searcher: Searcher;
  jobs: IngestJobs;
  audit: AuditRecorder;
  callers: CallerResolver;
  log: LogFn;
  gateway: StrataGateway;
}

/** Audit entries for events that change nothing else (searches, reads, denials); see audit-log.ts. */
export interface AuditRecorder {
  record(entries: AuditInput[]): Promise<void>;
}

/** Background ingest jobs; see jobs.ts. */
export interface JobProgress {
  done: number;
  total: number;
}

export interface IngestJobs {
  /** Starts a sync; resolves with the job once it is recorded. `onDone` builds the audit entries of its outcome. */
  start(input: {
    collection: Collection;
    source: FolderSource;
    /** Who started it: each write of the sync is audited in its own transaction under this actor and trace id. */
    audit?: { actor: string; traceId: string };
    onDone?: (outcome: JobOutcome) => AuditInput[];
  }): Promise<Job>;
  /** Live progress of a job running in this process. */
  progress(jobId: string): JobProgress | undefined;
  /** Resolves when no job is running (tests, graceful shutdown). */
  idle(): Promise<void>;
}

export type JobOutcome = { job: Job; report: SyncReport; error?: undefined } | { job: Job; report?: undefined; error: unknown };
