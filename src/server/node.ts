// The Node.js adapter: serves a Hono app (Web Request/Response) on node:http through @hono/node-server.
// Everything runtime-specific about the server lives here.
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { StrataError } from '../core/errors.js';

export interface RunningServer {
  /** Base URL, e.g. http://127.0.0.1:7700 (the real port when 0 was asked for). */
  url: string;
  port: number;
  /** Stops accepting connections and closes idle ones; resolves when the server is closed. */
  close(): Promise<void>;
}

export function listen(app: { fetch: (req: Request, env?: unknown) => Response | Promise<Response> }, options: { host: string; port: number }): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: options.host, port: options.port }, (info: AddressInfo) => {
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
