// The daemon's HTTP endpoint on metrics.listen (SPEC §4): GET /metrics (the prom-client registry
// of the main thread), /healthz (the process answers), /readyz (200 when the caller's readiness
// check passes, 503 with its reason otherwise). Owns the node:http server; read-only otherwise.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** Why the daemon is not ready, or null when it is (capture open, every worker alive). */
export type ReadinessCheck = () => string | null;

export interface MetricsServerOptions {
  /** `host:port` or `[v6]:port` (metrics.listen, validated by the config schema). */
  listen: string;
  registry: Registry;
  ready: ReadinessCheck;
  /** A scrape that failed to render (logged by the caller; the client gets 500). */
  onError?: (err: unknown) => void;
}

export interface MetricsServer {
  /** The bound address (port 0 in tests picks a free one). */
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Requests wait at most this long for headers: a stalled client must not hold a socket. */
const HEADERS_TIMEOUT_MS = 10_000;

export function parseListen(listen: string): { host: string; port: number } {
  const colon = listen.lastIndexOf(':');
  let host = listen.slice(0, colon);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return { host, port: Number(listen.slice(colon + 1)) };
}

function send(res: ServerResponse, code: number, type: string, body: string, head: boolean): void {
  res.writeHead(code, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(head ? undefined : body);
}

function handle(opts: MetricsServerOptions, req: IncomingMessage, res: ServerResponse): void {
  const head = req.method === 'HEAD';
  if (req.method !== 'GET' && !head) {
    res.setHeader('allow', 'GET, HEAD');
    send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n', head);
    return;
  }
  const q = (req.url ?? '/').indexOf('?');
  const path = q < 0 ? req.url ?? '/' : (req.url ?? '/').slice(0, q);
  switch (path) {
    case '/metrics':
      opts.registry.metrics().then(
        (text) => send(res, 200, opts.registry.contentType, text, head),
        (err: unknown) => {
          opts.onError?.(err);
          send(res, 500, 'text/plain; charset=utf-8', 'metrics unavailable\n', head);
        },
      );
      return;
    case '/healthz':
      send(res, 200, 'text/plain; charset=utf-8', 'ok\n', head);
      return;
    case '/readyz': {
      const why = opts.ready();
      if (why === null) send(res, 200, 'text/plain; charset=utf-8', 'ready\n', head);
      else send(res, 503, 'text/plain; charset=utf-8', `not ready: ${why}\n`, head);
      return;
    }
    default:
      send(res, 404, 'text/plain; charset=utf-8', 'not found: try /metrics, /healthz, /readyz\n', head);
  }
}

/** Listens on opts.listen; rejects with the socket error (EADDRINUSE, EACCES …) when it cannot. */
export function startMetricsServer(opts: MetricsServerOptions): Promise<MetricsServer> {
  const { host, port } = parseListen(opts.listen);
  const server: Server = createServer((req, res) => handle(opts, req, res));
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.requestTimeout = HEADERS_TIMEOUT_MS;
  return new Promise<MetricsServer>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      const addr = server.address() as AddressInfo;
      resolve({
        host: addr.address,
        port: addr.port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
