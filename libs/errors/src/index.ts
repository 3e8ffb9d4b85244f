export * from './app-error';
export * from './field-validator';
