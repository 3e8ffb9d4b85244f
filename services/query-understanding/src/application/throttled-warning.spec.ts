import type { Logger } from '@shopsense/observability';
import { ThrottledWarning } from './throttled-warning';

describe('ThrottledWarning', () => {
  it('logs once per interval, with how many it held back', () => {
    const warn = jest.fn();
    let now = 0;
    const warning = new ThrottledWarning({ warn } as unknown as Logger, 'embedding down', 10_000, () => now);
    for (let i = 0; i < 5; i++) warning.warn({ reason: 'UNAVAILABLE' });
    now = 10_000;
    warning.warn({ reason: 'UNAVAILABLE' });
    expect(warn.mock.calls).toEqual([
      [{ reason: 'UNAVAILABLE', suppressed_since_last: 0 }, 'embedding down'],
      [{ reason: 'UNAVAILABLE', suppressed_since_last: 4 }, 'embedding down'],
    ]);
  });
});
