export * from './amazon-catalog';
export * from './shared-data';
