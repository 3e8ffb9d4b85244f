import {
  Metadata,
  Server,
  status as GrpcStatus,
  type ServerUnaryCall,
  type ServerReadableStream,
  type sendUnaryData,
  type UntypedServiceImplementation,
  type ServerInterceptor,
} from '@grpc/grpc-js';
import { create, fromBinary, isMessage, type DescMessage, type DescMethod, type DescService } from '@bufbuild/protobuf';
import { HealthImplementation, type ServingStatus } from 'grpc-health-check';
import { AppError } from '@shopsense/errors';
import {
  childTraceContext,
  parseTraceparent,
  REQUEST_ID_HEADER,
  runWithRequestContext,
  sanitizeRequestId,
  TRACEPARENT_HEADER,
  type Logger,
  type ServiceMetrics,
} from '@shopsense/observability';
import { AdmissionController, AdmissionRefused, type AdmissionConfig, type AdmissionPermit } from './admission';
import { ApiKeyAuthorizer, type ApiKeyClient } from './api-keys';
import { apiKeyInterceptor } from './auth-interceptor';
import { serverCredentials, type ServerTlsOptions } from './credentials';
import { addReflection } from './reflection';
import { callClassOf } from './call-classes';
import { methodPath, serverServiceDefinition } from './service-definition';
import type { CallContext, ServiceImplementation } from './service-implementation';
import { statusName, toServiceError } from './status-mapping';

export interface GrpcServerOptions {
  host: string;
  port: number;
  tls: ServerTlsOptions;
  /** API-key clients; `undefined` turns authentication off (must be configured explicitly). */
  apiKeys: readonly ApiKeyClient[] | undefined;
  maxReceiveMessageBytes: number;
  maxSendMessageBytes: number;
  /** How long SIGTERM waits for in-flight calls before cancelling them. */
  shutdownGraceMs: number;
  reflection: boolean;
  /** Admission control (see admission.ts); absent: every call is taken. */
  admission?: AdmissionConfig;
  logger: Logger;
  metrics?: ServiceMetrics;
}

interface Registered {
  service: DescService;
  implementation: Record<string, (...args: never[]) => unknown>;
}

function firstString(metadata: Metadata, key: string): string | undefined {
  const value = metadata.get(key)[0];
  return typeof value === 'string' ? value : undefined;
}

/**
 * A gRPC server for protobuf-es services with what every ShopSense service needs built in:
 * health and reflection, API-key auth and TLS, admission control, request ids and trace
 * context, deadlines as AbortSignals, one error mapping, latency metrics, and a drain on shutdown.
 */
export class GrpcServer {
  private readonly server: Server;
  private readonly health = new HealthImplementation({ '': 'NOT_SERVING' });
  private readonly registered: Registered[] = [];
  private readonly admission: AdmissionController | undefined;
  private started = false;
  private boundPort?: number;

  constructor(private readonly options: GrpcServerOptions) {
    this.admission = options.admission ? new AdmissionController(options.admission) : undefined;
    const interceptors: ServerInterceptor[] = [];
    if (options.apiKeys) interceptors.push(apiKeyInterceptor(new ApiKeyAuthorizer(options.apiKeys), options.logger));
    this.server = new Server({
      'grpc.max_receive_message_length': options.maxReceiveMessageBytes,
      'grpc.max_send_message_length': options.maxSendMessageBytes,
      interceptors,
    });
    this.health.addToServer(this.server);
  }

  get port(): number | undefined {
    return this.boundPort;
  }

  addService<S extends DescService>(service: S, implementation: ServiceImplementation<S>): this {
    if (this.started) throw new Error(`cannot add ${service.typeName} after the server started`);
    const impl = implementation as unknown as Registered['implementation'];
    const handlers: UntypedServiceImplementation = {};
    for (const method of service.methods) {
      const handler = impl[method.localName];
      if (typeof handler !== 'function') throw new Error(`${service.typeName}: no handler for ${method.name}`);
      if (method.methodKind === 'unary') handlers[method.localName] = this.unaryHandler(service, method, handler);
      else if (method.methodKind === 'client_streaming') handlers[method.localName] = this.clientStreamingHandler(service, method, handler);
      else throw new Error(`${service.typeName}/${method.name}: ${method.methodKind} RPCs are not supported`);
    }
    this.server.addService(serverServiceDefinition(service), handlers);
    this.registered.push({ service, implementation: impl });
    this.health.setStatus(service.typeName, 'NOT_SERVING');
    return this;
  }

  /** Binds, starts serving and reports SERVING. Returns the bound port (useful with port 0). */
  async start(): Promise<number> {
    if (this.options.reflection) addReflection(this.server, this.registered.map((r) => r.service));
    const credentials = serverCredentials(this.options.tls);
    const address = `${this.options.host.includes(':') ? `[${this.options.host}]` : this.options.host}:${this.options.port}`;
    this.boundPort = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync(address, credentials, (error, port) => (error ? reject(new Error(`cannot listen on ${address}: ${error.message}`)) : resolve(port))),
    );
    this.started = true;
    this.setServing('SERVING');
    this.options.logger.info({ address: `${this.options.host}:${this.boundPort}`, tls: this.options.tls.mode, auth: this.options.apiKeys ? 'api-key' : 'none', services: this.registered.map((r) => r.service.typeName) }, 'gRPC server listening');
    return this.boundPort;
  }

  setServing(status: ServingStatus): void {
    this.health.setStatus('', status);
    for (const { service } of this.registered) this.health.setStatus(service.typeName, status);
  }

  /**
   * Stops taking new calls, reports NOT_SERVING, lets in-flight calls finish for up to the
   * grace period, then cancels whatever is left.
   */
  async shutdown(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    this.setServing('NOT_SERVING');
    const drained = new Promise<void>((resolve) => this.server.tryShutdown(() => resolve()));
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.options.shutdownGraceMs);
    });
    const outcome = await Promise.race([drained.then(() => 'drained' as const), graceOver]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      this.options.logger.warn({ graceMs: this.options.shutdownGraceMs }, 'grace period over, cancelling in-flight calls');
      this.server.forceShutdown();
    }
    this.options.logger.info({ outcome }, 'gRPC server stopped');
  }

  private unaryHandler(service: DescService, method: DescMethod, handler: (...args: never[]) => unknown) {
    return (call: ServerUnaryCall<Buffer, unknown>, callback: sendUnaryData<unknown>) => {
      this.serve(service, method, call, callback, (context) => {
        const request = this.decode(method.input, call.request);
        return (handler as (r: unknown, c: CallContext) => unknown)(request, context);
      });
    };
  }

  private clientStreamingHandler(service: DescService, method: DescMethod, handler: (...args: never[]) => unknown) {
    return (call: ServerReadableStream<Buffer, unknown>, callback: sendUnaryData<unknown>) => {
      const decode = (bytes: Buffer) => this.decode(method.input, bytes);
      async function* requests() {
        for await (const chunk of call as AsyncIterable<Buffer>) yield decode(chunk);
      }
      this.serve(service, method, call, callback, (context) => (handler as (r: unknown, c: CallContext) => unknown)(requests(), context));
    };
  }

  private decode(schema: DescMessage, bytes: Buffer): unknown {
    try {
      return fromBinary(schema, bytes);
    } catch (error) {
      throw AppError.invalidArgument([{ field: '(request)', description: `not a valid ${schema.typeName} message: ${(error as Error).message}` }]);
    }
  }

  private serve(
    service: DescService,
    method: DescMethod,
    call: ServerUnaryCall<Buffer, unknown> | ServerReadableStream<Buffer, unknown>,
    callback: sendUnaryData<unknown>,
    run: (context: CallContext) => unknown,
  ): void {
    const started = process.hrtime.bigint();
    const path = methodPath(service, method);
    const requestId = sanitizeRequestId(firstString(call.metadata, REQUEST_ID_HEADER));
    const trace = childTraceContext(parseTraceparent(firstString(call.metadata, TRACEPARENT_HEADER)));
    const rawDeadline = call.getDeadline();
    const deadlineMs = rawDeadline instanceof Date ? rawDeadline.getTime() : rawDeadline;
    const deadline = Number.isFinite(deadlineMs) ? new Date(deadlineMs) : undefined;

    const abort = new AbortController();
    const onCancel = () => abort.abort(new AppError('CANCELLED', 'the caller cancelled the call'));
    call.once('cancelled', onCancel);
    let deadlineTimer: NodeJS.Timeout | undefined;
    if (deadline) {
      const remaining = deadline.getTime() - Date.now();
      deadlineTimer = setTimeout(() => abort.abort(new AppError('DEADLINE_EXCEEDED', 'deadline exceeded')), Math.max(0, remaining));
    }

    const responseMetadata = new Metadata();
    responseMetadata.set(REQUEST_ID_HEADER, requestId);
    call.sendMetadata(responseMetadata);

    let finished = false;
    let permit: AdmissionPermit | undefined;
    const finish = (error: unknown, response?: unknown) => {
      if (finished) return;
      finished = true;
      clearTimeout(deadlineTimer);
      call.removeListener('cancelled', onCancel);
      let code: GrpcStatus = GrpcStatus.OK;
      if (error === undefined) {
        callback(null, isMessage(response, method.output) ? response : create(method.output, response as never));
      } else {
        const serviceError = toServiceError(error, requestId);
        code = serviceError.code;
        if (code === GrpcStatus.INTERNAL) this.options.logger.error({ err: error, method: path, request_id: requestId }, 'call failed');
        else this.options.logger.debug({ method: path, code: statusName(code), message: serviceError.details }, 'call refused');
        callback(serviceError);
      }
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.options.metrics?.grpcServerHandlingSeconds.observe({ service: service.typeName, method: method.name, code: statusName(code) }, seconds);
      if (permit) {
        // The limiter learns from the time the call held its slot, not from its wait for one.
        permit.release({ latencyMs: seconds * 1000 - permit.queuedMs, overloaded: code === GrpcStatus.DEADLINE_EXCEEDED || code === GrpcStatus.RESOURCE_EXHAUSTED });
        this.recordAdmissionState();
      }
    };

    if (deadline && deadline.getTime() <= Date.now()) {
      finish(new AppError('DEADLINE_EXCEEDED', 'deadline exceeded before the call was handled'));
      return;
    }

    const context: CallContext = { method: path, requestId, signal: abort.signal, metadata: call.metadata, peer: call.getPeer(), ...(deadline ? { deadline } : {}) };
    const handle = () =>
      runWithRequestContext({ requestId, trace, signal: abort.signal, ...(deadline ? { deadline } : {}) }, () => {
        Promise.resolve()
          .then(() => run(context))
          .then(
            (response) => finish(undefined, response),
            (error: unknown) => finish(error),
          );
      });

    const callClass = callClassOf(service.typeName, method.name);
    if (!this.admission || callClass === 'exempt') {
      handle();
      return;
    }
    // Admission comes before decoding: a refused call costs as little as it can.
    this.admission.acquire(callClass, deadline?.getTime()).then(
      (granted) => {
        this.options.metrics?.admissionCalls.inc({ service: service.typeName, method: method.name, outcome: granted.waited ? 'queued' : 'admitted' });
        if (abort.signal.aborted) {
          // Cancelled or past its deadline while it waited: the slot goes straight back, and the
          // limiter learns nothing from a call that never ran.
          granted.release(undefined);
          finish(abort.signal.reason);
          return;
        }
        permit = granted;
        this.recordAdmissionState();
        handle();
      },
      (error: unknown) => {
        this.options.metrics?.admissionCalls.inc({ service: service.typeName, method: method.name, outcome: 'shed' });
        this.recordAdmissionState();
        finish(error instanceof AdmissionRefused ? new AppError('RESOURCE_EXHAUSTED', error.message, { retryAfterMs: error.retryAfterMs }) : error);
      },
    );
  }

  private recordAdmissionState(): void {
    const metrics = this.options.metrics;
    if (!metrics || !this.admission) return;
    const { limit, inFlight, queued } = this.admission.snapshot();
    metrics.admissionState.set({ state: 'limit' }, limit);
    metrics.admissionState.set({ state: 'in_flight' }, inFlight);
    metrics.admissionState.set({ state: 'queued' }, queued);
  }
}

