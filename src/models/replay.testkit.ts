// A local HTTP server that plays a vendor's documented responses back to an adapter under test: JSON bodies,
// error statuses with headers (429 + Retry-After), streams sent in chunks with pauses, streams cut off
// mid-way, and requests that never get an answer (timeouts). It records every request it receives.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StrataError } from '../core/errors.js';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body when it is JSON, else the raw text. */
  body: unknown;
}

export type ReplayResponse =
  | { status?: number; headers?: Record<string, string>; json: unknown }
  | { status?: number; headers?: Record<string, string>; text: string }
  /** Written piece by piece (SSE or NDJSON), `delayMs` apart; `cut` destroys the socket after the last piece. */
  | { status?: number; headers?: Record<string, string>; chunks: string[]; delayMs?: number; cut?: boolean }
  /** Never answers (the client must time out). */
  | { hang: true };

export type ReplayHandler = (req: RecordedRequest, n: number) => ReplayResponse | Promise<ReplayResponse>;

export interface ReplayServer {
  url: string;
  requests: RecordedRequest[];
  /** Replaces the handler (for scripting a sequence). */
  handle(handler: ReplayHandler): void;
  close(): Promise<void>;
}

export async function startReplayServer(handler: ReplayHandler): Promise<ReplayServer> {
  let current = handler;
  const requests: RecordedRequest[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(parts).toString('utf8');
      let body: unknown = raw;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        // keep text
      }
      const rec: RecordedRequest = { method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body };
      requests.push(rec);
      void Promise.resolve(current(rec, requests.length)).then(
        (r) => reply(res, r),
        (e: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(String(e));
        },
      );
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    handle(h) {
      current = h;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function reply(res: ServerResponse, r: ReplayResponse): Promise<void> {
  if ('hang' in r) return;
  const status = r.status ?? 200;
  if ('json' in r) {
    res.writeHead(status, { 'content-type': 'application/json', ...r.headers });
    res.end(JSON.stringify(r.json));
  } else if ('text' in r) {
    res.writeHead(status, { 'content-type': 'text/plain', ...r.headers });
    res.end(r.text);
  } else {
    res.writeHead(status, { 'content-type': 'text/event-stream', ...r.headers });
    for (const c of r.chunks) {
      res.write(c);
      if (r.delayMs) await new Promise((resolve) => setTimeout(resolve, r.delayMs));
    }
    if (r.cut) res.socket?.destroy();
    else res.end();
  }
}

/** Formats one server-sent event. */
export const sse = (data: unknown, event?: string): string =>
  `${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;

/** The StrataError `p` rejects with; fails the test when it resolves or throws anything else. */
export async function strataFailure(p: Promise<unknown>): Promise<StrataError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof StrataError, `expected a StrataError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected the call to fail');
}
