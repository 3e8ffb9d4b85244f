// Integration tests need the real Kafka and Redis that deploy/local/up.sh starts. This reads
// the addresses that script wrote (unless the environment already names them) and fails
// early, with the command to run, when they are not reachable.
const { readFileSync, existsSync } = require('node:fs');
const { join } = require('node:path');
const net = require('node:net');

function reachable(host, port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 2000 });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
}

module.exports = async function globalSetup() {
  const envFile = join(__dirname, '../../../deploy/local/.work/env');
  if (existsSync(envFile)) {
    for (const line of readFileSync(envFile, 'utf8').split('\n')) {
      const match = /^export ([A-Z_]+)=(.*)$/.exec(line.trim());
      if (match && process.env[match[1]] === undefined) process.env[match[1]] = match[2];
    }
  }
  const problems = [];
  const brokers = process.env.KAFKA_BROKERS;
  const redisUrl = process.env.REDIS_URL;
  if (!brokers || !redisUrl) problems.push('KAFKA_BROKERS and REDIS_URL are not set');
  else {
    const [host, port] = brokers.split(',')[0].split(':');
    if (!(await reachable(host, Number(port)))) problems.push(`Kafka is not reachable at ${brokers}`);
    const url = new URL(redisUrl);
    if (!(await reachable(url.hostname, Number(url.port || 6379)))) problems.push(`Redis is not reachable at ${redisUrl}`);
  }
  if (problems.length > 0) {
    throw new Error(`integration tests need Kafka and Redis: ${problems.join('; ')}. Start them with: npm run infra:up`);
  }
};
