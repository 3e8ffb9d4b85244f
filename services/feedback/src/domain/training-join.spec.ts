import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { TrainingExampleSchema } from '@shopsense/contracts';
import { buildTrainingExamples } from './training-join';

const join = (fields: Record<string, string>) => ({ requestId: 'r1', fields, served: null });

describe('buildTrainingExamples', () => {
  it('labels each impressed item and carries what the ranker logged', () => {
    const served = [create(TrainingExampleSchema, { requestId: 'r1', itemId: 'b', position: 1, modelVersion: 'm7', features: { ctr: 0.1 }, score: 2, clickProbability: 0.4, surface: 'search', query: 'Call 555 123 4567', servedAt: timestampFromMs(1000) })];
    const meta = { t: '5', k: 'k1', q: '', ch: 'ios', x: 'exp=a\nother=b' };
    const examples = buildTrainingExamples(join({ u: 'k1:abc', ...meta, 'i:a': '0', 'i:b': '1', 'c:b': '1', 'p:b': '1', 'a:z': '1' }), served, 9_000);
    expect(examples.map((e) => [e.itemId, e.position, e.clicked, e.addedToCart, e.purchased])).toEqual([
      ['a', 0, false, false, false],
      ['b', 1, true, false, true],
    ]);
    expect(examples[0]).toMatchObject({ pseudonymousUserId: 'k1:abc', keyId: 'k1', channel: 'ios', modelVersion: '', servedAt: timestampFromMs(5000), labelledAt: timestampFromMs(9000) });
    expect(examples[0]!.experiments.map((e) => [e.experiment, e.variant])).toEqual([
      ['exp', 'a'],
      ['other', 'b'],
    ]);
    // The logged query is normalised and scrubbed before it leaves.
    expect(examples[1]).toMatchObject({ modelVersion: 'm7', features: { ctr: 0.1 }, score: 2, clickProbability: 0.4, surface: 'search', query: 'call number', servedAt: timestampFromMs(1000) });
  });

  it('falls back to the assignments the ranker logged for the request when the impression carries none', () => {
    const logged = (itemId: string, position: number) =>
      create(TrainingExampleSchema, { requestId: 'r1', itemId, position, modelVersion: 'm1', surface: 'search', experiments: [{ experiment: 'exp', variant: 'treatment' }] });
    const served = [logged('a', 0), logged('b', 1)];
    // No `x` field: the client's impression had no experiments. Item c was shown but not logged.
    const examples = buildTrainingExamples(join({ u: 'k1:abc', t: '5', k: 'k1', 'i:a': '0', 'i:b': '1', 'i:c': '2', 'c:b': '1' }), served, 9_000);
    expect(examples.map((e) => [e.itemId, e.clicked, e.experiments.map((x) => `${x.experiment}=${x.variant}`)])).toEqual([
      ['a', false, ['exp=treatment']],
      ['b', true, ['exp=treatment']],
      ['c', false, ['exp=treatment']],
    ]);
    // Without a log and without experiments in the event there is nothing to attribute.
    expect(buildTrainingExamples(join({ u: 'k1:abc', t: '5', k: 'k1', 'i:a': '0' }), [], 9_000)[0]!.experiments).toEqual([]);
  });

  it('emits nothing for labels without an impression', () => {
    expect(buildTrainingExamples(join({ u: 'k1:abc', 'c:a': '1' }), [], 1)).toEqual([]);
    expect(buildTrainingExamples(join({}), [], 1)).toEqual([]);
  });
});
