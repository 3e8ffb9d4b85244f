export * from './config-error';
export * from './env';
export * from './load-config';
export * from './common-config';
export { z } from 'zod';
