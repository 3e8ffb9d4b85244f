/**
 * The standalone runner (apps/standalone) in a process of its own for bench:search, so the load
 * generator does not share an event loop with the services it measures. Reads the same
 * variables as `npm start`; prints one line {"msg":"STANDALONE_READY","port":…,"metricsPort":…} when serving and
 * stops cleanly on SIGTERM.
 */
import 'reflect-metadata';
import { loadConfig } from '@shopsense/config';
import { startStandalone } from '../../apps/standalone/src/standalone';
import { standaloneConfigSchema } from '../../apps/standalone/src/standalone.config';

async function main(): Promise<void> {
  const running = await startStandalone(loadConfig(standaloneConfigSchema), { print: (line) => process.stderr.write(`${line}\n`) });
  process.stdout.write(`${JSON.stringify({ msg: 'STANDALONE_READY', port: running.port, metricsPort: running.metricsPort })}\n`);
  process.once('SIGTERM', () => {
    running.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`stop failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`standalone failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
