// The HTTP API as a Hono app: Web Request in, Web Response out, no sockets (src/server/node.ts adapts it to
// Node's http server; tests call `app.request()`). Order of the layers: request id → security headers →
// (on /v1) body limit → authentication → rate limit → denial audit → workspace alias guard → route.
// The gateway's OpenAI POST endpoints are the exception: served on node:http in front of the app (`direct`,
// openai-direct.ts), with the same authenticator, rate limiter and error shapes.
import { OpenAPIHono } from '@hono/zod-openapi';
import { Hono, type MiddlewareHandler } from 'hono';
import { StrataError } from '../core/errors.js';
import { createGatewayFromConfig } from '../gateway/from-config.js';
import { createEmbedder, embedderConfig } from '../models/embed/index.js';
import { auditDenials, createAuditRecorder } from './audit-log.js';
import { createJwtVerifier } from './auth/jwt.js';
import { createCallerResolver } from './auth/principals.js';
import { DOCS_CSP, DOCS_HTML } from './docs-page.js';
import { createIngestJobs } from './jobs.js';
import { authenticate, createAuthenticator } from './middleware/auth.js';
import { bodyLimits, SMALL_BODY } from './middleware/body-limit.js';
import { errorHandler, notFoundHandler } from './middleware/errors.js';
import { createRateLimiter, rateLimit } from './middleware/rate-limit.js';
import { requestId } from './middleware/request-id.js';
import { securityHeaders } from './middleware/security-headers.js';
import { openAiDirectRoutes } from './openai-direct.js';
import { documentInfo, registerSecurity, router } from './openapi.js';
import { answerRoutes } from './routes/answer.js';
import { auditRoutes } from './routes/audit.js';
import { collectionsRoutes } from './routes/collections.js';
import { directoryRoutes } from './routes/directory.js';
import { documentsRoutes } from './routes/documents.js';
import { evalRoutes } from './routes/eval.js';
import { feedbackRoutes } from './routes/feedback.js';
import { gatewayRoutes, isOpenAiPath, openAiErrorHandler } from './routes/gateway.js';
import { healthRoutes } from './routes/health.js';
import { jobsRoutes } from './routes/jobs.js';
import { keysRoutes } from './routes/keys.js';
import { modelsRoutes } from './routes/models.js';
import { searchRoutes } from './routes/search.js';
import { sourcesRoutes } from './routes/sources.js';
import { uploadRoutes } from './routes/uploads.js';
import { workspacesRoutes } from './routes/workspaces.js';
import type { AppDeps, AppEnv, DirectRoutes, LogFn, RouteDeps } from './types.js';

export const API_VERSION = '0.1.0';

export interface StrataApp {
  app: OpenAPIHono<AppEnv>;
  /** The gateway's OpenAI POST endpoints, served on node:http in front of `app` (openai-direct.ts); `listen` serves both. */
  direct: DirectRoutes;
  /** The shared services, for callers that need them (the CLI waits for jobs on shutdown). */
  deps: RouteDeps;
}

export function createApp(input: AppDeps): StrataApp {
  const log: LogFn = input.log ?? (() => undefined);
  const { config, store } = input;
  const audit = createAuditRecorder(store);
  const deps: RouteDeps = {
    config,
    store,
    searcher: input.searcher,
    jobs: input.jobs ?? createIngestJobs({ store, config, log }),
    audit,
    callers: createCallerResolver(store, { now: input.now }),
    log,
    gateway:
      input.gateway ??
      createGatewayFromConfig(config, { store, audit, log, embedderFor: (name) => createEmbedder(embedderConfig(config, name), { dataDir: config.dataDir }) }),
  };
  const oidc = config.server.auth.oidc;
  const jwt = input.jwt !== undefined ? input.jwt : oidc ? createJwtVerifier(oidc) : null;
  // One authenticator and one rate limiter for the Hono routes and the direct ones: a key has one request budget.
  const authenticator = createAuthenticator({ store, callers: deps.callers, jwt, defaultWorkspace: config.workspace, now: input.now, log });
  const limiter = createRateLimiter({ ...config.server.rateLimit, now: input.now });
  const direct = openAiDirectRoutes({ gateway: deps.gateway, log, authenticate: authenticator, limiter, maxBodyBytes: SMALL_BODY });

  const app = router();
  const strataErrors = errorHandler(log);
  const openAiErrors = openAiErrorHandler(deps);
  app.onError((err, c) => (isOpenAiPath(c.req.path) ? openAiErrors(err, c) : strataErrors(err, c)));
  app.notFound(notFoundHandler());
  app.use('*', requestId());
  app.use('*', securityHeaders());

  app.route('/', healthRoutes(deps));
  app.doc31('/openapi.json', documentInfo(API_VERSION));
  registerSecurity(app);
  app.get('/docs', (c) => {
    c.header('Content-Security-Policy', DOCS_CSP);
    return c.html(DOCS_HTML);
  });

  app.use('/v1/*', bodyLimits(config.server.maxUploadBytes));
  app.use('/v1/*', authenticate(authenticator));
  app.use('/v1/*', rateLimit(limiter));
  app.use('/v1/*', auditDenials(deps.audit));
  app.use('/v1/workspaces/:workspace/*', workspaceGuard());

  const v1 = router();
  for (const routes of [workspacesRoutes, collectionsRoutes, documentsRoutes, uploadRoutes, sourcesRoutes, jobsRoutes, searchRoutes, answerRoutes, feedbackRoutes, keysRoutes, directoryRoutes, auditRoutes, gatewayRoutes, modelsRoutes, evalRoutes]) {
    v1.route('/', routes(deps));
  }
  app.route('/v1', v1);
  // `/v1/workspaces/{workspace}/…` serves the same routes for clients that name the workspace in the path; a plain
  // Hono wrapper keeps the alias out of the OpenAPI document (it is described in the document's introduction).
  app.route('/v1/workspaces/:workspace', new Hono<AppEnv>().route('/', v1));
  return { app, deps, direct };
}

/** A path naming a workspace other than the credential's gets the same 404 as one that does not exist. */
function workspaceGuard(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const named = c.req.param('workspace');
    if (named !== c.get('workspaceName') && named !== c.get('caller').workspaceId) {
      throw new StrataError('server', 'not-found', `workspace "${named}" not found`);
    }
    await next();
  };
}
