import { RebuildScheduler } from './rebuild-scheduler';

describe('RebuildScheduler', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('runs once after a burst goes quiet', async () => {
    const task = jest.fn();
    const scheduler = new RebuildScheduler({ quietMs: 100, maxDelayMs: 1_000 }, task, () => Date.now());
    for (let i = 0; i < 50; i++) {
      scheduler.schedule();
      await jest.advanceTimersByTimeAsync(10);
    }
    expect(task).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(100);
    expect(task).toHaveBeenCalledTimes(1);
  });

  it('runs by the maximum delay under a steady trickle', async () => {
    const task = jest.fn();
    const scheduler = new RebuildScheduler({ quietMs: 100, maxDelayMs: 300 }, task, () => Date.now());
    for (let i = 0; i < 10; i++) {
      scheduler.schedule();
      await jest.advanceTimersByTimeAsync(50);
    }
    expect(task).toHaveBeenCalledTimes(1);
  });

  it('never overlaps runs, and runs again for changes that came during a run', async () => {
    let release!: () => void;
    let active = 0;
    let maxActive = 0;
    const task = jest.fn(async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      await new Promise<void>((resolve) => (release = resolve));
      active--;
    });
    const scheduler = new RebuildScheduler({ quietMs: 10, maxDelayMs: 100 }, task, () => Date.now());
    scheduler.schedule();
    await jest.advanceTimersByTimeAsync(10);
    scheduler.schedule(); // during the run
    release();
    await jest.advanceTimersByTimeAsync(10);
    release();
    await jest.advanceTimersByTimeAsync(10);
    expect(task).toHaveBeenCalledTimes(2);
    expect(maxActive).toBe(1);
  });

  it('runs pending work on flush, and nothing after close', async () => {
    const task = jest.fn();
    const scheduler = new RebuildScheduler({ quietMs: 1_000, maxDelayMs: 1_000 }, task, () => Date.now());
    scheduler.schedule();
    await scheduler.flush();
    expect(task).toHaveBeenCalledTimes(1);
    scheduler.close();
    scheduler.schedule();
    await jest.advanceTimersByTimeAsync(2_000);
    expect(task).toHaveBeenCalledTimes(1);
  });
});
