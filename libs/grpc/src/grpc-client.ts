import {
  makeGenericClientConstructor,
  Metadata,
  status as GrpcStatus,
  type CallOptions,
  type Client,
  type ClientOptions,
  type ServiceError,
  type ChannelCredentials,
} from '@grpc/grpc-js';
import { create, type DescMessage, type DescMethod, type DescService, type MessageInitShape, type MessageShape } from '@bufbuild/protobuf';
import type { GenService, GenServiceMethods } from '@bufbuild/protobuf/codegenv2';
import { MethodOptions_IdempotencyLevel } from '@bufbuild/protobuf/wkt';
import { AppError } from '@shopsense/errors';
import {
  childTraceContext,
  currentRequestContext,
  formatTraceparent,
  REQUEST_ID_HEADER,
  sanitizeRequestId,
  TRACEPARENT_HEADER,
  type ServiceMetrics,
} from '@shopsense/observability';
import { clientServiceDefinition } from './service-definition';
import { fromServiceError, statusName } from './status-mapping';

export interface CallOverrides {
  /** Time budget of this call; the incoming call's deadline still caps it. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

type ClientMethod<M> = M extends { methodKind: 'unary'; input: infer I extends DescMessage; output: infer O extends DescMessage }
  ? (request: MessageInitShape<I>, overrides?: CallOverrides) => Promise<MessageShape<O>>
  : M extends { methodKind: 'client_streaming'; input: infer I extends DescMessage; output: infer O extends DescMessage }
    ? (requests: Iterable<MessageInitShape<I>> | AsyncIterable<MessageInitShape<I>>, overrides?: CallOverrides) => Promise<MessageShape<O>>
    : never;

/** A typed client for a generated service; each RPC is a method returning a promise. */
export type ServiceClient<S> = (S extends GenService<infer T extends GenServiceMethods> ? { [K in keyof T]: ClientMethod<T[K]> } : never) & {
  close(): void;
};

export interface GrpcClientOptions {
  credentials: ChannelCredentials;
  /** Default time budget per call when the caller gives none. */
  defaultTimeoutMs: number;
  /** Retries of idempotent calls (declared `idempotency_level` in the proto) on UNAVAILABLE. */
  maxRetries?: number;
  retryBaseDelayMs?: number;
  apiKey?: string | undefined;
  maxReceiveMessageBytes?: number;
  maxSendMessageBytes?: number;
  metrics?: ServiceMetrics;
  channelOptions?: ClientOptions;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function isIdempotent(method: DescMethod): boolean {
  return method.idempotency === MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS || method.idempotency === MethodOptions_IdempotencyLevel.IDEMPOTENT;
}

/**
 * One long-lived channel to `target` (conventions §8). Every call gets a deadline (its own
 * budget, capped by the deadline of the call being served), the request id and trace context
 * of the current request, and the API key; failures come back as AppErrors.
 */
export function createGrpcClient<S extends DescService>(service: S, target: string, options: GrpcClientOptions): ServiceClient<S> {
  const Constructor = makeGenericClientConstructor(clientServiceDefinition(service), service.typeName);
  const client: Client = new Constructor(target, options.credentials, {
    'grpc.max_receive_message_length': options.maxReceiveMessageBytes ?? 16 * 1024 * 1024,
    'grpc.max_send_message_length': options.maxSendMessageBytes ?? 4 * 1024 * 1024,
    'grpc.keepalive_time_ms': 30_000,
    ...options.channelOptions,
  });
  const maxRetries = options.maxRetries ?? 2;
  const baseDelay = options.retryBaseDelayMs ?? 50;

  const stub: Record<string, unknown> = {
    close: () => client.close(),
  };

  for (const method of service.methods) {
    const rpc = (client as unknown as Record<string, (...args: unknown[]) => unknown>)[method.localName]!.bind(client);
    const label = `${service.typeName}/${method.name}`;

    const once = (request: unknown, deadline: Date, signal: AbortSignal | undefined): Promise<unknown> =>
      new Promise((resolve, reject) => {
        const metadata = outgoingMetadata(options.apiKey);
        const callOptions: CallOptions = { deadline };
        const done = (error: ServiceError | null, response?: unknown) => {
          signal?.removeEventListener('abort', onAbort);
          if (error) reject(error);
          else resolve(response);
        };
        let call: { cancel(): void; write?(m: unknown): void; end?(): void };
        const onAbort = () => call?.cancel();
        if (method.methodKind === 'unary') {
          call = rpc(create(method.input, request as never), metadata, callOptions, done) as typeof call;
        } else if (method.methodKind === 'client_streaming') {
          call = rpc(metadata, callOptions, done) as typeof call;
          void pump(request as Iterable<unknown> | AsyncIterable<unknown>, method.input, call, reject);
        } else {
          reject(new Error(`${label}: ${method.methodKind} is not supported by this client`));
          return;
        }
        if (signal?.aborted) call.cancel();
        else signal?.addEventListener('abort', onAbort, { once: true });
      });

    stub[method.localName] = async (request: unknown, overrides: CallOverrides = {}) => {
      const incoming = currentRequestContext();
      let deadlineMs = Date.now() + (overrides.timeoutMs ?? options.defaultTimeoutMs);
      if (incoming?.deadline) deadlineMs = Math.min(deadlineMs, incoming.deadline.getTime());
      const deadline = new Date(deadlineMs);
      const signal = overrides.signal ?? incoming?.signal;
      const retryable = isIdempotent(method) && method.methodKind === 'unary';
      const started = process.hrtime.bigint();
      let code: number = GrpcStatus.OK;
      try {
        for (let attempt = 0; ; attempt++) {
          try {
            return await once(request, deadline, signal);
          } catch (error) {
            const serviceError = error as ServiceError;
            const backoff = baseDelay * 2 ** attempt * (0.5 + Math.random());
            const canRetry = retryable && serviceError.code === GrpcStatus.UNAVAILABLE && attempt < maxRetries && Date.now() + backoff < deadlineMs && !signal?.aborted;
            if (!canRetry) {
              code = typeof serviceError.code === 'number' ? serviceError.code : GrpcStatus.UNKNOWN;
              throw typeof serviceError.code === 'number' ? fromServiceError(serviceError, label) : new AppError('INTERNAL', `${label}: ${String(error)}`, { cause: error });
            }
            await sleep(backoff);
          }
        }
      } finally {
        options.metrics?.grpcClientHandlingSeconds.observe({ service: service.typeName, method: method.name, code: statusName(code) }, Number(process.hrtime.bigint() - started) / 1e9);
      }
    };
  }
  return stub as ServiceClient<S>;
}

function outgoingMetadata(apiKey: string | undefined): Metadata {
  const metadata = new Metadata();
  const incoming = currentRequestContext();
  metadata.set(REQUEST_ID_HEADER, incoming?.requestId ?? sanitizeRequestId(undefined));
  metadata.set(TRACEPARENT_HEADER, formatTraceparent(childTraceContext(incoming?.trace)));
  if (apiKey) metadata.set('authorization', `Bearer ${apiKey}`);
  return metadata;
}

async function pump(
  requests: Iterable<unknown> | AsyncIterable<unknown>,
  schema: DescMessage,
  call: { write?(m: unknown): void; end?(): void; cancel(): void },
  reject: (error: unknown) => void,
): Promise<void> {
  try {
    for await (const request of requests) call.write!(create(schema, request as never));
    call.end!();
  } catch (error) {
    call.cancel();
    reject(error);
  }
}
