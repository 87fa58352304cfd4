// The Node.js adapter: serves a Hono app (Web Request/Response) on node:http through @hono/node-server.
// Everything runtime-specific about the server lives here.
import type { AddressInfo, Socket } from 'node:net';
import { serve, type Http2Bindings, type HttpBindings } from '@hono/node-server';
import { StrataError } from '../core/errors.js';
import type { AppBindings } from './types.js';

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

const kClientSignal = Symbol('strata.clientSignal');
type SignalledSocket = Socket & { [kClientSignal]?: AbortSignal };

/**
 * One signal per client connection, made on first use and aborted when the connection closes. It stands for "this
 * caller is gone" for every request on the connection, instead of the Web Request's per-request signal: measured on
 * Node 20, every AbortSignal an AbortController makes outlives young-generation collections, so a signal per request
 * (and what its listeners reach) became old-generation garbage: with it and the gateway's per-attempt signals, a
 * 500 requests/s gateway promoted 1.8× the bytes and paused longer. A keep-alive connection's signal is made once.
 */
function clientSignal(socket: Socket): AbortSignal {
  const s = socket as SignalledSocket;
  let signal = s[kClientSignal];
  if (!signal) {
    const ctl = new AbortController();
    signal = ctl.signal;
    s[kClientSignal] = signal;
    if (socket.destroyed) ctl.abort(new Error('the client closed the connection'));
    else socket.once('close', () => ctl.abort(new Error('the client closed the connection')));
  }
  return signal;
}

export function listen(app: { fetch: (req: Request, env?: AppBindings) => Response | Promise<Response> }, options: { host: string; port: number }): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const fetch = (req: Request, env: HttpBindings | Http2Bindings) => {
      const socket = env.incoming.socket as Socket | null;
      const bindings: AppBindings & typeof env = socket ? { ...env, clientSignal: () => clientSignal(socket) } : env;
      return app.fetch(req, bindings);
    };
    const server = serve({ fetch, hostname: options.host, port: options.port }, (info: AddressInfo) => {
      const host = info.family === 'IPv6' ? `[${info.address}]` : info.address;
      resolve({
        url: `http://${host}:${info.port}`,
        port: info.port,
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((e) => (e ? fail(e) : done()));
            if ('closeIdleConnections' in server) server.closeIdleConnections();
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
