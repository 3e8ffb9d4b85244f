// Public entry point of @shopsense/contracts: re-exports every generated
// protobuf-es module (messages, enums, schemas, service descriptors).
// Generated code lives in ./gen (do not edit); message and enum names are
// unique across packages, so flat re-exports are unambiguous. Keep them so:
// a name clash makes `tsc` fail here.
export * from './gen/shopsense/common/v1/common_pb';
export * from './gen/shopsense/catalog/v1/catalog_pb';
export * from './gen/shopsense/events/v1/events_pb';
export * from './gen/shopsense/training/v1/training_pb';
export * from './gen/shopsense/query/v1/query_pb';
export * from './gen/shopsense/embedding/v1/embedding_pb';
export * from './gen/shopsense/retrieval/v1/retrieval_pb';
export * from './gen/shopsense/ranking/v1/ranking_pb';
export * from './gen/shopsense/experiments/v1/experiments_pb';
export * from './gen/shopsense/merchandising/v1/merchandising_pb';
export * from './gen/shopsense/analytics/v1/analytics_pb';

// Hand-written: limits both sides of a contract keep to.
export * from './limits';
