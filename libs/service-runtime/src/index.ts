export * from './grpc-server-options';
export * from './run-service';
export * from './service-registration';
export * from './grpc-client-options';
export * from './periodic-task';
