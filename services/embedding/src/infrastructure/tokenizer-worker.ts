/**
 * Worker-thread side of WorkerTokenizer. The tokenizer of a multilingual model (250k pieces in
 * @huggingface/tokenizers' JavaScript structures) is about 160 MB of small objects. On the main
 * thread every full garbage collection had to mark them all: a pause of 200–400 ms on two cores
 * that stalled every call the process was serving (and in standalone mode every service). Here
 * they live in a heap of their own, which allocates little and is rarely collected.
 */
import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { Tokenizer } from '@huggingface/tokenizers';
import { truncateTokens } from '../domain/truncate-tokens';
import type { WorkerReply } from './restarting-worker';
import type { TokenizeRequest, TokenizerStart } from './tokenizer-worker-protocol';

const port = parentPort;
if (!port) throw new Error('tokenizer-worker.ts runs as a worker thread only');
const { tokenizerFile, configFile, maxLength } = workerData as TokenizerStart;

function reply(message: WorkerReply<Record<string, never>, number[][]>): void {
  port!.postMessage(message);
}

function load(path: string): object {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as object;
  } catch (error) {
    throw new Error(`cannot load ${path}: ${(error as Error).message}`);
  }
}

try {
  const tokenizer = new Tokenizer(load(tokenizerFile), configFile ? load(configFile) : {});
  const specialIds = new Set([...tokenizer.get_added_tokens_decoder().entries()].filter(([, token]) => token.special).map(([id]) => id));
  port.on('message', (request: TokenizeRequest) => {
    try {
      reply({ type: 'result', id: request.id, result: request.texts.map((text) => truncateTokens(tokenizer.encode(text).ids, maxLength, specialIds)) });
    } catch (error) {
      reply({ type: 'error', id: request.id, message: error instanceof Error ? error.message : String(error) }); // this request fails alone
    }
  });
  reply({ type: 'ready', ready: {} });
} catch (error) {
  reply({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
}
