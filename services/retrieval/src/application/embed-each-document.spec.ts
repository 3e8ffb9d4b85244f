import { AppError } from '@shopsense/errors';
import { embedEachDocument } from './embed-each-document';

/** A stand-in for the embedding service: refuses texts that contain 'bad', naming at most two per call (the real one names five). */
function service() {
  const calls: string[][] = [];
  const embedBatch = async (texts: readonly string[]) => {
    calls.push([...texts]);
    const bad = texts.flatMap((t, i) => (t.includes('bad') ? [{ field: `texts[${i}]`, description: `refused '${t}'` }] : []));
    if (bad.length > 0) throw AppError.invalidArgument(bad.slice(0, 2));
    return texts.map((t) => Float32Array.of(t.length));
  };
  return { calls, embedBatch };
}

describe('embedEachDocument', () => {
  it('fails the texts the service names, alone, and embeds the rest', async () => {
    const { calls, embedBatch } = service();
    const results = await embedEachDocument(['ok one', 'bad a', 'ok three', 'bad b', 'bad c', 'ok six'], embedBatch);
    expect(results.map((r) => ('vector' in r ? r.vector[0] : r.problem))).toEqual([6, "refused 'bad a'", 8, "refused 'bad b'", "refused 'bad c'", 6]);
    expect(calls).toHaveLength(3); // two named at a time, then the clean rest
  });

  it('passes on any other failure', async () => {
    await expect(embedEachDocument(['a'], () => Promise.reject(new AppError('UNAVAILABLE', 'down')))).rejects.toThrow('down');
    await expect(embedEachDocument(['a'], () => Promise.reject(AppError.invalidArgument([{ field: 'texts', description: 'too many' }])))).rejects.toThrow('too many');
  });
});
