// The ranking service's pure domain core (conventions §1): no NestJS, no I/O. The application
// layer fetches the data the features declare, then calls rankCandidates; the trainer feeds
// training examples to FtrlModel and promotes snapshots through shouldPromote.
export * from './business-rules';
export * from './calibration';
export * from './config-validation';
export * from './experiments';
export * from './explanations';
export * from './features';
export * from './filter-relaxation';
export * from './ftrl';
export * from './list-metrics';
export * from './mmr';
export * from './model-gate';
export * from './page-token';
export * from './pipeline';
export * from './product-type';
export * from './recent-map';
export * from './ranker';
export * from './recommend-fusion';
export * from './result-order';
export * from './search-analytics';
export * from './statistics';
export * from './training';
export * from './vectors';
