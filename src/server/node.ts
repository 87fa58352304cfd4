// The Node.js adapter: serves a Hono app (Web Request/Response) on node:http through @hono/node-server.
// Everything runtime-specific about the server lives here, and the routes served on node:http directly (`DirectRoutes`:
// the gateway's OpenAI endpoints, see openai-direct.ts) are put in front of the app here.
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { getRequestListener, type Http2Bindings, type HttpBindings } from '@hono/node-server';
import { StrataError } from '../core/errors.js';
import { clientSignal } from './client-signal.js';
import type { AppBindings, DirectRoutes } from './types.js';

export interface RunningServer {
  /** Base URL, e.g. http://127.0.0.1:7700 (the real port when 0 was asked for). */
  url: string;
  port: number;
  /** Stops accepting connections and closes idle ones; resolves when the server is closed. */
  close(): Promise<void>;
}

/**
 * V8's floor for a serving process's young generation: without it V8 shrinks the young generation to 1 MB after a
 * quiet spell, and the first busy seconds then pay a collection every few requests (docs/BENCHMARKS.md). V8 reads
 * it only at start, and Node refuses it in NODE_OPTIONS: it goes on the command line (package.json `start`,
 * `serve --workers`, bench/gateway.ts).
 */
export const YOUNG_GENERATION_FLAG = '--min-semi-space-size=16';

/** The young-generation flags a process was started with (this one's by default). */
export const youngGenerationFlags = (execArgv: readonly string[] = process.execArgv): string[] => execArgv.filter((a) => a.startsWith('--min-semi-space-size'));

/** What `listen` serves: the Hono app and, in front of it, the routes that skip the Web Request/Response adaptation. */
export interface Served {
  app: { fetch: (req: Request, env?: AppBindings) => Response | Promise<Response> };
  direct?: DirectRoutes;
}

export function listen({ app, direct }: Served, options: { host: string; port: number }): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const fetch = (req: Request, env: HttpBindings | Http2Bindings) => {
      const socket = env.incoming.socket as Socket | null;
      const bindings: AppBindings & typeof env = socket ? { ...env, clientSignal: () => clientSignal(socket) } : env;
      return app.fetch(req, bindings);
    };
    const honoListener = getRequestListener(fetch, { hostname: options.host });
    const server = createServer(direct ? (req, res) => direct.handle(req, res) || void honoListener(req, res) : honoListener);
    // Connections are tracked (per connection, not per request) for `close`: see there.
    const connections = new Set<Socket>();
    server.on('connection', (socket: Socket) => {
      connections.add(socket);
      socket.once('close', () => connections.delete(socket));
    });
    server.listen(options.port, options.host, () => {
      const info = server.address() as AddressInfo;
      const host = info.family === 'IPv6' ? `[${info.address}]` : info.address;
      resolve({
        url: `http://${host}:${info.port}`,
        port: info.port,
        close: () =>
          new Promise<void>((done, fail) => {
            // close() closes the idle connections (Node ≥ 19). Requests in progress finish, and their keep-alive
            // connections are closed as they fall idle (Node would keep them for keepAliveTimeout, 5 s, after the
            // last answer).
            const sweep = setInterval(() => server.closeIdleConnections(), 50);
            server.close((e) => {
              clearInterval(sweep);
              if (e) fail(e);
              else done();
            });
            // Node counts a connection that has not sent a byte yet as busy (waiting for headers), so a client that
            // opened one ahead of need (fetch's pool does, after an aborted request) held shutdown until it gave
            // up on it itself (4 s for undici) or headersTimeout. Nothing was asked on it: it is closed too.
            for (const socket of connections) if (socket.bytesRead === 0) socket.destroy();
          }),
      });
    });
    server.once('error', (cause: NodeJS.ErrnoException) =>
      reject(
        new StrataError('server', cause.code === 'EADDRINUSE' || cause.code === 'EACCES' ? 'config' : 'unavailable', `cannot listen on ${options.host}:${options.port}: ${cause.code ?? cause.message}`, {
          cause,
          hint: cause.code === 'EADDRINUSE' ? 'another process uses this port: set server.port (or STRATA_SERVER__PORT)' : undefined,
        }),
      ),
    );
  });
}
