export * from './child-process';
export * from './expect-eventually';
export * from './tls-fixtures';
export * from './service-process';
export * from './model-dir';
export * from './local-resources';
export * from './local-infrastructure';
export * from './metrics-scrape';
