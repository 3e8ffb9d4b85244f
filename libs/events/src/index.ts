export * from './codec';
export * from './event-bus';
export * from './in-process-event-bus';
export * from './kafka-event-bus';
export * from './record-processor';
export * from './supervised-consumer';
export * from './topic-registry';
export * from './trace-headers';
