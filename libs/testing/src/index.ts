export * from './child-process';
export * from './expect-eventually';
export * from './tls-fixtures';
