import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';
import { fromBinary, toBinary, type DescMethod, type DescService } from '@bufbuild/protobuf';

/** The gRPC path of a method: `/<package.Service>/<Method>`. */
export function methodPath(service: DescService, method: DescMethod): string {
  return `/${service.typeName}/${method.name}`;
}

/**
 * A grpc-js ServiceDefinition built from a protobuf-es service descriptor, so the generated
 * code stays the single source of truth (no .proto parsing at run time).
 *
 * On the server side requests are handed over as raw bytes: the server decodes them itself so
 * that a malformed message becomes INVALID_ARGUMENT rather than grpc-js's opaque INTERNAL.
 */
export function serverServiceDefinition(service: DescService): ServiceDefinition {
  const definition: Record<string, MethodDefinition<unknown, unknown>> = {};
  for (const method of service.methods) {
    definition[method.localName] = {
      path: methodPath(service, method),
      requestStream: method.methodKind === 'client_streaming' || method.methodKind === 'bidi_streaming',
      responseStream: method.methodKind === 'server_streaming' || method.methodKind === 'bidi_streaming',
      requestSerialize: (value: unknown) => Buffer.from(value as Uint8Array),
      requestDeserialize: (bytes: Buffer) => bytes,
      responseSerialize: (value: unknown) => Buffer.from(toBinary(method.output, value as never)),
      responseDeserialize: (bytes: Buffer) => fromBinary(method.output, bytes),
      originalName: method.name,
    };
  }
  return definition as ServiceDefinition;
}

/** The client-side definition: typed messages in both directions. */
export function clientServiceDefinition(service: DescService): ServiceDefinition {
  const definition: Record<string, MethodDefinition<unknown, unknown>> = {};
  for (const method of service.methods) {
    definition[method.localName] = {
      path: methodPath(service, method),
      requestStream: method.methodKind === 'client_streaming' || method.methodKind === 'bidi_streaming',
      responseStream: method.methodKind === 'server_streaming' || method.methodKind === 'bidi_streaming',
      requestSerialize: (value: unknown) => Buffer.from(toBinary(method.input, value as never)),
      requestDeserialize: (bytes: Buffer) => fromBinary(method.input, bytes),
      responseSerialize: (value: unknown) => Buffer.from(toBinary(method.output, value as never)),
      responseDeserialize: (bytes: Buffer) => fromBinary(method.output, bytes),
    };
  }
  return definition as ServiceDefinition;
}
