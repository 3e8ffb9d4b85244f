import type { DescMessage, DescService, MessageInitShape, MessageShape } from '@bufbuild/protobuf';
import type { GenService, GenServiceMethods } from '@bufbuild/protobuf/codegenv2';
import type { Metadata } from '@grpc/grpc-js';
import { AppError } from '@shopsense/errors';

/** What a handler knows about the call it serves. */
export interface CallContext {
  /** `/package.Service/Method`. */
  method: string;
  requestId: string;
  /** Absolute deadline of the call, if the caller set one. */
  deadline?: Date;
  /** Aborted when the caller cancels or the deadline passes: pass it to slow work. */
  signal: AbortSignal;
  metadata: Metadata;
  peer: string;
}

type Response<O extends DescMessage> = MessageInitShape<O> | MessageShape<O>;

type MethodImplementation<M> = M extends { methodKind: 'unary'; input: infer I extends DescMessage; output: infer O extends DescMessage }
  ? (request: MessageShape<I>, context: CallContext) => Promise<Response<O>> | Response<O>
  : M extends { methodKind: 'client_streaming'; input: infer I extends DescMessage; output: infer O extends DescMessage }
    ? (requests: AsyncIterable<MessageShape<I>>, context: CallContext) => Promise<Response<O>>
    : never;

/** Handlers for every RPC of a generated service, keyed by the RPC's local (camelCase) name. */
export type ServiceImplementation<S> = S extends GenService<infer T extends GenServiceMethods>
  ? { [K in keyof T]: MethodImplementation<T[K]> }
  : never;

/**
 * An implementation that answers UNIMPLEMENTED for every RPC: what a service serves for an API
 * whose issue has not landed yet, so callers get a clear status instead of a missing service.
 */
export function unimplementedService<S extends DescService>(service: S): ServiceImplementation<S> {
  const implementation: Record<string, () => never> = {};
  for (const method of service.methods) {
    implementation[method.localName] = () => {
      throw AppError.unimplemented(`${service.typeName}/${method.name}`);
    };
  }
  return implementation as unknown as ServiceImplementation<S>;
}
