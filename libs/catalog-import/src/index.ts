// Reading catalog files (JSONL of protobuf-JSON products, or CSV) into products, in chunks, with
// a checkpoint and a reject file: shared by the CLI and the retrieval service's import command,
// and free of any service code, so the CLI starts without loading one.
export { importCatalog, type ChunkResult, type ImportOptions, type ImportProgress } from './catalog-importer';
export { CSV_COLUMNS, csvColumnProblem } from './catalog-rows';
