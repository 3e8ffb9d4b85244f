import { Degradation } from '@shopsense/contracts';
import { AppError } from '@shopsense/errors';
import { DegradationReport, failureCause, FAILURES, STAGES, withFallback } from './pipeline';

describe('pipeline degradation', () => {
  it('names the stages in request order and maps every failure to a stage and a distinct proto flag', () => {
    expect(STAGES).toEqual(['understand', 'embed', 'retrieve', 'features', 'score', 'rerank']);
    const flags = Object.values(FAILURES).map((f) => f.degradation);
    expect(new Set(flags).size).toBe(flags.length);
    expect(flags).not.toContain(Degradation.UNSPECIFIED);
    for (const failure of Object.values(FAILURES)) expect(STAGES).toContain(failure.stage);
    expect(FAILURES.model).toMatchObject({ stage: 'score', degradation: Degradation.MODEL_UNAVAILABLE, fallback: 'retrieval order' });
  });

  it('reports flags once each, in enum order, and leaves out "partial" when retrieval failed entirely', () => {
    const report = new DegradationReport().record('model', 'error').record('embedding', 'timeout').record('model', 'timeout').record('retrievalPartial', 'error');
    expect(report.flags()).toEqual([Degradation.EMBEDDING_UNAVAILABLE, Degradation.RETRIEVAL_PARTIAL, Degradation.MODEL_UNAVAILABLE]);
    expect(report.records).toHaveLength(3);
    report.record('retrieval', 'unavailable');
    expect(report.flags()).toEqual([Degradation.EMBEDDING_UNAVAILABLE, Degradation.RETRIEVAL_UNAVAILABLE, Degradation.MODEL_UNAVAILABLE]);
    expect(new DegradationReport().flags()).toEqual([]);
  });

  it('gives metric labels per failure', () => {
    const report = new DegradationReport().record('userState', 'timeout', 'redis read took 80 ms');
    expect(report.metricLabels()).toEqual([{ stage: 'features', failure: 'userState', cause: 'timeout' }]);
    expect(report.records[0]!.detail).toBe('redis read took 80 ms');
    expect(report.has('userState')).toBe(true);
    expect(report.has('model')).toBe(false);
  });

  it('classifies timeouts and unavailability', () => {
    expect(failureCause(new AppError('DEADLINE_EXCEEDED', 'slow'))).toBe('timeout');
    expect(failureCause(new AppError('UNAVAILABLE', 'down'))).toBe('unavailable');
    expect(failureCause(new AppError('INTERNAL', 'bug'))).toBe('error');
    expect(failureCause(AbortSignal.abort().reason)).toBe('timeout');
    expect(failureCause(Object.assign(new Error('t'), { name: 'TimeoutError' }))).toBe('timeout');
    expect(failureCause('a string')).toBe('error');
  });

  it('serves the fallback when an optional part fails, and records it', async () => {
    const report = new DegradationReport();
    const ok = await withFallback(report, 'embedding', async () => [1, 2], () => undefined);
    expect(ok).toEqual([1, 2]);
    expect(report.flags()).toEqual([]);
    const fallback = await withFallback(
      report,
      'embedding',
      async () => {
        throw new AppError('DEADLINE_EXCEEDED', 'embedding took too long');
      },
      () => 'lexical only',
    );
    expect(fallback).toBe('lexical only');
    expect(report.records).toEqual([expect.objectContaining({ failure: 'embedding', cause: 'timeout', detail: 'embedding took too long' })]);
    const sync = await withFallback(report, 'rerank', () => {
      throw new Error('bad rule');
    }, () => 0);
    expect(sync).toBe(0);
    expect(report.flags()).toEqual([Degradation.EMBEDDING_UNAVAILABLE, Degradation.RERANK_UNAVAILABLE]);
  });
});
