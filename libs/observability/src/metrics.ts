import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * One Prometheus registry per service process, with the metrics every gRPC server records.
 * Services add their own metrics to `registry`.
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  readonly grpcServerHandlingSeconds: Histogram<'service' | 'method' | 'code'>;
  readonly grpcClientHandlingSeconds: Histogram<'service' | 'method' | 'code'>;
  readonly degradedResponses: Counter<'reason'>;
  readonly admissionCalls: Counter<'service' | 'method' | 'outcome'>;
  readonly admissionState: Gauge<'state'>;
  readonly buildInfo: Gauge<'service' | 'version'>;

  constructor(readonly service: string, options: { defaultMetrics?: boolean } = {}) {
    this.registry.setDefaultLabels({ app: 'shopsense', component: service });
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    const buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    this.grpcServerHandlingSeconds = new Histogram({
      name: 'grpc_server_handling_seconds',
      help: 'Time to handle a gRPC call on the server, by method and status code.',
      labelNames: ['service', 'method', 'code'],
      buckets,
      registers: [this.registry],
    });
    this.grpcClientHandlingSeconds = new Histogram({
      name: 'grpc_client_handling_seconds',
      help: 'Time of outgoing gRPC calls as seen by the client, by method and status code.',
      labelNames: ['service', 'method', 'code'],
      buckets,
      registers: [this.registry],
    });
    this.degradedResponses = new Counter({
      name: 'shopsense_degraded_responses_total',
      help: 'Responses served with a lesser result because an optional dependency failed, by reason.',
      labelNames: ['reason'],
      registers: [this.registry],
    });
    this.admissionCalls = new Counter({
      name: 'grpc_server_admission_total',
      help: 'Calls by what admission control did with them: admitted at once, queued (admitted after waiting) or shed (refused RESOURCE_EXHAUSTED); exempt calls are not counted.',
      labelNames: ['service', 'method', 'outcome'],
      registers: [this.registry],
    });
    this.admissionState = new Gauge({
      name: 'grpc_server_admission',
      help: 'Admission control now: the concurrency limit, the calls in flight under it, and the calls waiting for a slot.',
      labelNames: ['state'],
      registers: [this.registry],
    });
    this.buildInfo = new Gauge({
      name: 'shopsense_build_info',
      help: 'Always 1; labels say which service and version is running.',
      labelNames: ['service', 'version'],
      registers: [this.registry],
    });
    this.buildInfo.set({ service, version: process.env['npm_package_version'] ?? '0.1.0' }, 1);
  }
}

/**
 * Serves `GET /metrics` (Prometheus text format) and nothing else. Every answer closes its
 * connection: a scrape every few seconds gains nothing from keep-alive, and a client that reused
 * a kept-alive socket just as the server's idle timer closed it got "other side closed" (seen in
 * npm test on a busy machine).
 */
export class MetricsServer {
  private server?: Server;

  constructor(private readonly registry: Registry) {}

  async start(port: number, host = '0.0.0.0'): Promise<number> {
    const server = createServer((req, res) => {
      res.shouldKeepAlive = false;
      if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found; try /metrics\n');
        return;
      }
      this.registry.metrics().then(
        (body) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(body),
        (error: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${String(error)}\n`),
      );
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    return (server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
