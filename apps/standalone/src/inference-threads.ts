import { availableParallelism } from 'node:os';

/**
 * Inference threads of the model inside standalone: all cores but one, unless set. Here the
 * model shares the process with the event loop that serves every other service, and inference
 * threads that take every core starve it: on 2 cores (bench:search, standalone) two threads held
 * Search p50 near 25 ms to 40/s and collapsed at 60/s (p50 110-118 ms), one thread kept p50
 * 24-32 ms at 60/s.
 */
export function standaloneInferenceThreads(environment: NodeJS.ProcessEnv, cores = availableParallelism()): string {
  return environment['EMBEDDING_INTRA_OP_THREADS'] ?? String(Math.max(1, cores - 1));
}
