import { RestartingWorker } from './restarting-worker';
import type { TokenizeRequest, TokenizerStart } from './tokenizer-worker-protocol';

/**
 * The model's tokenizer on a worker thread of its own (see tokenizer-worker.ts for why), driven
 * from the main thread. Tokenizing a query takes well under a millisecond, so one worker serves
 * the whole service; one that dies is replaced on the next call.
 */
export class WorkerTokenizer {
  private constructor(private readonly worker: RestartingWorker<Record<string, never>, number[][]>) {}

  static async create(start: TokenizerStart): Promise<WorkerTokenizer> {
    return new WorkerTokenizer(await RestartingWorker.start({ file: 'tokenizer-worker', workerData: start, name: 'tokenizer worker' }));
  }

  /** Workers started after the first one died. */
  get restarts(): number {
    return this.worker.restarts;
  }

  /** Token ids per text, with special tokens, truncated to the maximum length. */
  tokenize(texts: readonly string[]): Promise<number[][]> {
    const request: Omit<TokenizeRequest, 'id'> = { texts: [...texts] };
    return this.worker.call(request);
  }

  close(): Promise<void> {
    return this.worker.close();
  }
}
