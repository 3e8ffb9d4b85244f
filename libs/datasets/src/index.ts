export * from './demo-catalog';
export * from './amazon-catalog';
export * from './catalog-sample';
export * from './amazon-interactions';
export * from './shared-data';
