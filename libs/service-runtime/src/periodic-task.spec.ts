import { createLogger } from '@shopsense/observability';
import { PeriodicTask } from './periodic-task';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('PeriodicTask', () => {
  const logger = createLogger('test', 'silent');

  it('runs one at a time, keeps going after a failure, and stop() waits for the run in flight', async () => {
    let active = 0;
    let maxActive = 0;
    let runs = 0;
    let finished = 0;
    const task = new PeriodicTask('sweep', 5, async () => {
      runs++;
      active++;
      maxActive = Math.max(maxActive, active);
      await sleep(20);
      active--;
      finished++;
      if (runs === 1) throw new Error('first run fails');
    }, logger);
    task.start();
    while (runs < 3) await sleep(5);
    await task.stop();
    expect(maxActive).toBe(1);
    expect(finished).toBe(runs);
    const after = runs;
    await sleep(40);
    expect(runs).toBe(after);
  });

  it('never runs when stopped before its first interval', async () => {
    let runs = 0;
    const task = new PeriodicTask('sweep', 20, async () => void runs++, logger);
    task.start();
    await task.stop();
    await sleep(40);
    expect(runs).toBe(0);
  });
});
