/**
 * Standalone mode: the same service with the in-process bus and the in-memory store, no Kafka or
 * Redis. Track is the way in; rejected events go to the dead-letter file with their reasons.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { CollectorService, EventType } from '@shopsense/contracts';
import { DeadLetterHeaders } from '@shopsense/events';
import { createGrpcClient } from '@shopsense/grpc';
import { startService, type RunningService } from '@shopsense/service-runtime';
import { expectEventually, TEST_SERVICE_ENV } from '@shopsense/testing';
import { encodeMemoryState, MemoryUserStateStore, parseHmacKeyring, Pseudonymizer, type UserStateStore } from '@shopsense/user-state';
import { FEEDBACK_COMPONENTS, type FeedbackComponents } from './feedback.module';
import { feedbackService } from './feedback.service-definition';
import { events } from './testing/behavior-events.factory';
import { FakeRetrievalServer } from './testing/fake-retrieval.server';
import { writeHmacKeys } from './testing/feedback-harness';

describe('feedback in standalone mode (in-process bus, in-memory state)', () => {
  let retrieval: FakeRetrievalServer;
  let running: RunningService;
  let deadLetterFile: string;
  const keysFile = writeHmacKeys(['k0', 'k1']);

  beforeAll(async () => {
    retrieval = new FakeRetrievalServer(16);
    deadLetterFile = join(mkdtempSync(join(tmpdir(), 'feedback-standalone-')), 'dead-letters.jsonl');
    running = await startService(feedbackService, {
      ...TEST_SERVICE_ENV,
      LOG_LEVEL: 'warn',
      FEEDBACK_EVENT_BUS: 'in-process',
      FEEDBACK_STATE_STORE: 'memory',
      FEEDBACK_DEAD_LETTER_FILE: deadLetterFile,
      FEEDBACK_HMAC_KEYS_FILE: keysFile,
      RETRIEVAL_ADDR: await retrieval.start(),
      UPSTREAM_TLS_MODE: 'insecure',
    });
  });

  afterAll(async () => {
    await running?.stop();
    await retrieval?.stop();
  });

  it('tracks, applies, dead-letters to the file and forgets without any server', async () => {
    const client = createGrpcClient(CollectorService, `127.0.0.1:${running.grpcPort}`, { credentials: grpc.credentials.createInsecure(), defaultTimeoutMs: 5_000 });
    const store: UserStateStore = running.app.get<FeedbackComponents>(FEEDBACK_COMPONENTS).store;
    const response = await client.track({ events: [events.click('solo', 'c2-a'), events.of(EventType.CLICK, 'solo', ['c2-b'], { eventId: '' }), events.view('solo', 'c2-b')] });
    expect(response.accepted).toBe(2);
    expect(response.rejected.map((r) => [r.index, r.reason])).toEqual([[1, 'event_id is required']]);
    await expect(client.track({ events: [] })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });

    const user = new Pseudonymizer(parseHmacKeyring(readFileSync(keysFile, 'utf8'))).pseudonymize('solo').pseudonym;
    await expectEventually(async () => {
      const state = await store.readForRanking({ pseudonym: user, itemIds: ['c2-a', 'c2-b'] });
      expect(state.items['c2-a']!.last24h.clicks).toBe(1);
      expect(state.recent).toMatchObject({ clicks: ['c2-a'], views: ['c2-b'] });
    });
    await expectEventually(() => expect(existsSync(deadLetterFile)).toBe(true));
    const [line] = readFileSync(deadLetterFile, 'utf8').trim().split('\n');
    expect(JSON.parse(line!).headers[DeadLetterHeaders.reason]).toBe('event_id is required');

    await client.forgetUser({ userId: 'solo' });
    expect((await store.readForRanking({ pseudonym: user, itemIds: [] })).profile).toBeNull();
    // The dead letter held the raw id (key and payload): forgotten with the rest.
    expect(readFileSync(deadLetterFile, 'utf8')).not.toContain('solo');
    await expect(client.forgetUser({ userId: '' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    // Later events of the user are counted as dropped, not accepted.
    expect(await client.track({ events: [events.click('solo', 'c2-c'), events.click('someone', 'c2-c')] })).toMatchObject({ accepted: 1, duplicates: 0, forgotten: 1 });
    await expectEventually(async () => expect(await client.getIntakeStatus({})).toMatchObject({ applied: 3n, deadLettered: 0n, backlog: 0n }));
    client.close();
  });

  it('imports history of any age with its own times, exactly once however often it is sent', async () => {
    const client = createGrpcClient(CollectorService, `127.0.0.1:${running.grpcPort}`, { credentials: grpc.credentials.createInsecure(), defaultTimeoutMs: 10_000 });
    const store = running.app.get<FeedbackComponents>(FEEDBACK_COMPONENTS).store;
    expect(store).toBeInstanceOf(MemoryUserStateStore);
    const daysAgo = (days: number) => ({ occurredAt: timestampFromMs(Date.now() - days * 86_400_000) });
    const history = [events.purchase('historian', ['h-a', 'h-b'], daysAgo(60)), events.click('historian', 'h-c', daysAgo(59)), events.click('historian', 'h-d', { occurredAt: undefined }), events.view('historian', 'h-e', daysAgo(58))];
    const importAll = () => client.importEvents([{ events: history.slice(0, 2) }, { events: history.slice(2) }]);
    const duplicates = async () => {
      const metric = (await running.metrics.registry.getSingleMetric('feedback_events_total')!.get()).values.find((v) => v.labels['source'] === 'import' && v.labels['outcome'] === 'duplicate');
      return metric?.value ?? 0;
    };

    const first = await importAll();
    expect(first).toMatchObject({ accepted: 3n, rejectedCount: 1n, rejected: [{ index: 2, reason: 'occurred_at is required for imported events' }] });
    const user = new Pseudonymizer(parseHmacKeyring(readFileSync(keysFile, 'utf8'))).pseudonymize('historian').pseudonym;
    await expectEventually(async () => {
      const state = await store.readForRanking({ pseudonym: user, itemIds: ['h-a', 'h-c'] });
      expect(state.recent).toMatchObject({ purchases: ['h-b', 'h-a'], clicks: ['h-c'], views: ['h-e'] });
      // Counted in the hours they happened: two months ago, outside every window of today.
      expect(state.items['h-c']?.last7d.clicks ?? 0).toBe(0);
    });
    const saved = encodeMemoryState(store as MemoryUserStateStore, new Date(0));

    // The same stream again: every valid event was applied, so none is accepted, and nothing changes.
    const before = await duplicates();
    expect(await importAll()).toMatchObject({ accepted: 0n, duplicates: 3n, forgotten: 0n, rejectedCount: 1n });
    expect(await duplicates()).toBe(before + 3);
    expect(encodeMemoryState(store as MemoryUserStateStore, new Date(0))).toBe(saved);
    client.close();
  });
});
