import { create } from '@bufbuild/protobuf';
import { TrainingExampleSchema, type TrainingExample } from '@shopsense/contracts';
import { createLogger } from '@shopsense/observability';
import { FtrlModel, snapshotVersion } from '../domain';
import { OnlineTrainer, type ModelSink } from './online-trainer';

class MemorySink implements ModelSink {
  serving = new FtrlModel();
  promoted: string[] = [];
  current(): FtrlModel {
    return this.serving;
  }
  async promote(model: FtrlModel, nowMs: number): Promise<string> {
    const version = snapshotVersion(nowMs, model.trainingCount);
    this.serving = FtrlModel.fromSnapshot(model.toSnapshot({ version, createdAtMs: nowMs }));
    this.promoted.push(version);
    return version;
  }
}

/** Served lists of 8 items where the item with the highest `match` is clicked, and every 4th list also bought. */
function servedLists(requests: number): TrainingExample[] {
  const out: TrainingExample[] = [];
  for (let r = 0; r < requests; r++) {
    const matches = Array.from({ length: 8 }, (_, i) => ((r * 31 + i * 17) % 97) / 97);
    const best = matches.indexOf(Math.max(...matches));
    matches.forEach((match, position) =>
      out.push(
        create(TrainingExampleSchema, {
          requestId: `req-${r}`,
          itemId: `item-${position}`,
          position,
          features: { match, retrieval_rr: 1 / (position + 1) },
          clicked: position === best,
          purchased: position === best && r % 4 === 0,
          experiments: [{ experiment: 'exp', variant: r % 2 === 0 ? 'control' : 'treatment' }],
        }),
      ),
    );
  }
  return out;
}

describe('OnlineTrainer', () => {
  it('learns from the examples it does not hold out and promotes a model that beats the baselines', async () => {
    const sink = new MemorySink();
    const trainer = new OnlineTrainer(sink, { holdoutEvery: 5, promoteEvery: 2_000, holdoutSize: 10_000 }, createLogger('trainer-test', 'silent'), () => 1_700_000_000_000);
    for (const example of servedLists(800)) await trainer.handle(example);
    expect(sink.promoted.length).toBeGreaterThan(0);
    expect(sink.serving.weight('match')).toBeGreaterThan(0);
    // Held-out requests are whole lists, never learned.
    expect(sink.serving.trainingCount).toBeLessThan(800 * 8);
  });

  it('refuses to promote without enough held-out evidence', async () => {
    const sink = new MemorySink();
    const trainer = new OnlineTrainer(sink, { holdoutEvery: 1_000, promoteEvery: 100, holdoutSize: 10_000 }, createLogger('trainer-test', 'silent'));
    for (const example of servedLists(40)) await trainer.handle(example);
    expect(sink.promoted).toEqual([]);
    expect(trainer.lastDecision?.reason).toMatch(/too little held-out evidence/);
  });

  it('counts exposures, clicks and conversions per variant once per served list, ignoring redelivery', async () => {
    const trainer = new OnlineTrainer(new MemorySink(), { holdoutEvery: 5, promoteEvery: 1_000_000, holdoutSize: 100 }, createLogger('trainer-test', 'silent'));
    const examples = servedLists(40);
    for (const example of [...examples, ...examples.slice(0, 20)]) await trainer.handle(example);
    expect(trainer.variantCounts('exp')).toEqual([
      { variant: 'control', exposures: 20, clicks: 20, conversions: 10 },
      { variant: 'treatment', exposures: 20, clicks: 20, conversions: 0 },
    ]);
    expect(trainer.variantCounts('unknown')).toEqual([]);
  });
});
