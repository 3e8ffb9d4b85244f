import type { DescService } from '@bufbuild/protobuf';
import type { ServiceImplementation } from '@shopsense/grpc';

/** A gRPC API and the object that implements it, as a service module provides them. */
export interface ServiceRegistration<S extends DescService = DescService> {
  service: S;
  implementation: ServiceImplementation<S>;
}

export function registration<S extends DescService>(service: S, implementation: ServiceImplementation<S>): ServiceRegistration {
  return { service, implementation } as unknown as ServiceRegistration;
}

/** The Nest injection token of a service module's gRPC registrations (what the runtime serves). */
export const GRPC_SERVICES = Symbol('GRPC_SERVICES');
