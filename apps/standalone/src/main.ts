/**
 * `npm start`: ShopSense standalone on this machine. See README "Quickstart".
 */
import 'reflect-metadata';
import { ConfigError, loadConfig } from '@shopsense/config';
import { startStandalone } from './standalone';
import { standaloneConfigSchema, type StandaloneConfig } from './standalone.config';

const print = (line: string) => process.stderr.write(`${line}\n`);

function banner(port: number, metricsPort: number, config: StandaloneConfig, dataDir: string): string {
  const address = `${config.SHOPSENSE_HOST}:${port}`;
  const tls = config.SHOPSENSE_TLS_CERT_FILE !== undefined;
  // What a client adds to reach this server: the CA of its certificate, an API key.
  const cli = [...(tls ? ['--tls --ca <your CA file>'] : []), ...(config.SHOPSENSE_API_KEYS_FILE ? ['--api-key <key>'] : []), ...(port !== 50051 || config.SHOPSENSE_HOST !== '127.0.0.1' ? [`--addr ${address}`] : [])].join(' ');
  const grpcurl = [tls ? '-cacert <your CA file>' : '-plaintext', ...(config.SHOPSENSE_API_KEYS_FILE ? ["-H 'authorization: Bearer <key>'"] : [])].join(' ');
  const mode = tls ? (config.SHOPSENSE_TLS_CLIENT_CA_FILE ? 'gRPC over mutual TLS' : 'gRPC over TLS') : 'gRPC';
  return [
    '',
    `ShopSense is ready on ${address} (${mode}; every API on this port, with reflection)`,
    `  data folder  ${dataDir}`,
    `  metrics      http://${config.SHOPSENSE_METRICS_HOST}:${metricsPort}/metrics`,
    '',
    'Try it:',
    `  npx shopsense search "running shoes under 100"${cli ? ` ${cli}` : ''}`,
    `  npx shopsense search "红色 跑鞋" --explain${cli ? ` ${cli}` : ''}`,
    `  npx shopsense status${cli ? ` ${cli}` : ''}`,
    `  grpcurl ${grpcurl} -d '{"query":"wireless headphones","page_size":5}' ${address} shopsense.ranking.v1.RankingService/Search`,
    '',
    'Ctrl-C stops it; the next `npm start` continues from the data folder.',
    'READY',
  ].join('\n');
}

async function main(): Promise<void> {
  const config = loadConfig(standaloneConfigSchema);
  const started = Date.now();
  const starting = startStandalone(config, { print });
  // Handlers first: Ctrl-C during the start (or right as READY prints) still stops cleanly.
  const onSignal = (signal: NodeJS.Signals) => {
    print(`\n${signal} received: finishing in-flight calls, saving user state…`);
    starting
      .then((running) => running.stop())
      .then(
        () => {
          print('Stopped.');
          process.exit(0);
        },
        (error: unknown) => {
          print(`Stop failed: ${error instanceof Error ? error.message : String(error)}`);
          process.exit(1);
        },
      );
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const running = await starting;
  if (running.warmUpDegraded.length > 0) {
    print(`Note: after a minute of warm-up searches some are still degraded (${running.warmUpDegraded.join(', ')}): the machine is busy; answers become whole as the model warms up.`);
  }
  print(banner(running.port, running.metricsPort, config, running.data.root));
  print(`(started in ${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

main().catch((error: unknown) => {
  const message = error instanceof ConfigError ? error.message : error instanceof Error ? error.message : String(error);
  print(`ShopSense cannot start: ${message}`);
  if (!(error instanceof ConfigError) && error instanceof Error && process.env['LOG_LEVEL'] === 'debug') print(error.stack ?? '');
  process.exit(error instanceof ConfigError ? 78 : 1);
});
