#!/usr/bin/env node
// gRPC health probe for a ShopSense service, run *inside its container* (a Kubernetes `exec`
// probe). Kubernetes' native `grpc:` probes cannot speak TLS, and the services serve TLS by
// default, so this script connects the way the service is configured: it reads the
// container's own GRPC_PORT, GRPC_HOST and GRPC_TLS_* variables, calls
// grpc.health.v1.Health/Check and exits 0 only when the answer is SERVING.
//
//   node scripts/grpc-healthcheck.js [--service NAME] [--timeout-ms 2000]
//                                    [--addr HOST:PORT] [--cert FILE --key FILE]
//
// --service  the service name to check ('' = the whole server, the default)
// --addr     default 127.0.0.1:$GRPC_PORT (the probe runs in the pod's network namespace)
// --cert/--key  client certificate for GRPC_TLS_MODE=mtls (default: GRPC_TLS_CERT_FILE and
//            GRPC_TLS_KEY_FILE, which then must carry the clientAuth extended key usage)
//
// The server certificate is not verified: the probe talks to its own pod over loopback, and
// the point is the service's health, not its identity. Health checks need no API key.
// Plain JavaScript with one dependency (@grpc/grpc-js) so that it starts fast: the messages
// are two tiny protobufs, encoded by hand below.
'use strict';

const { readFileSync } = require('node:fs');
const grpc = require('@grpc/grpc-js');

const STATUS = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];

function parseArgs(argv) {
  const args = { service: '', timeoutMs: 2000, addr: undefined, cert: undefined, key: undefined };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--service') args.service = value;
    else if (flag === '--timeout-ms') args.timeoutMs = Number(value);
    else if (flag === '--addr') args.addr = value;
    else if (flag === '--cert') args.cert = value;
    else if (flag === '--key') args.key = value;
    else throw new Error(`unknown argument ${flag}`);
    i++;
  }
  if (!Number.isFinite(args.timeoutMs) || args.timeoutMs <= 0) throw new Error('--timeout-ms must be a positive number');
  return args;
}

/** grpc.health.v1.HealthCheckRequest { string service = 1; } */
function encodeRequest(service) {
  const bytes = Buffer.from(service, 'utf8');
  if (bytes.length === 0) return Buffer.alloc(0);
  if (bytes.length > 127) throw new Error('--service name too long');
  return Buffer.concat([Buffer.from([0x0a, bytes.length]), bytes]);
}

/** grpc.health.v1.HealthCheckResponse { ServingStatus status = 1; } (other fields skipped) */
function decodeResponse(buffer) {
  let status = 0;
  for (let i = 0; i < buffer.length; ) {
    const tag = buffer[i++];
    if (tag === 0x08) {
      let value = 0;
      let shift = 0;
      let byte;
      do {
        byte = buffer[i++];
        value |= (byte & 0x7f) << shift;
        shift += 7;
      } while (byte & 0x80 && i < buffer.length);
      status = value;
    } else {
      break; // nothing else is defined in HealthCheckResponse
    }
  }
  return { status };
}

function credentials(env, args) {
  const mode = env.GRPC_TLS_MODE || 'tls';
  if (mode === 'insecure') return grpc.credentials.createInsecure();
  const verify = { rejectUnauthorized: false, checkServerIdentity: () => undefined };
  if (mode === 'mtls') {
    const certFile = args.cert || env.GRPC_TLS_CERT_FILE;
    const keyFile = args.key || env.GRPC_TLS_KEY_FILE;
    if (!certFile || !keyFile) throw new Error('GRPC_TLS_MODE=mtls: a client certificate and key are needed (--cert/--key or GRPC_TLS_CERT_FILE/GRPC_TLS_KEY_FILE)');
    return grpc.credentials.createSsl(null, readFileSync(keyFile), readFileSync(certFile), verify);
  }
  if (mode !== 'tls') throw new Error(`GRPC_TLS_MODE must be tls, mtls or insecure, got '${mode}'`);
  return grpc.credentials.createSsl(null, null, null, verify);
}

function main() {
  const env = process.env;
  const args = parseArgs(process.argv.slice(2));
  let addr = args.addr;
  if (!addr) {
    if (!env.GRPC_PORT) throw new Error('GRPC_PORT is not set (or pass --addr HOST:PORT)');
    const host = !env.GRPC_HOST || env.GRPC_HOST === '0.0.0.0' || env.GRPC_HOST === '::' ? '127.0.0.1' : env.GRPC_HOST;
    addr = `${host.includes(':') ? `[${host}]` : host}:${env.GRPC_PORT}`;
  }
  const Client = grpc.makeGenericClientConstructor(
    {
      Check: {
        path: '/grpc.health.v1.Health/Check',
        requestStream: false,
        responseStream: false,
        requestSerialize: encodeRequest,
        requestDeserialize: (b) => b,
        responseSerialize: (r) => r,
        responseDeserialize: decodeResponse,
      },
    },
    'Health',
  );
  // The name sent in the TLS handshake (SNI): any DNS name, since the certificate is not
  // checked; without it Node warns that an IP address is not a valid server name.
  const client = new Client(addr, credentials(env, args), { 'grpc.ssl_target_name_override': 'localhost' });
  const deadline = new Date(Date.now() + args.timeoutMs);
  client.Check(args.service, { deadline }, (error, response) => {
    client.close();
    const target = `${addr}${args.service ? ` (${args.service})` : ''}`;
    if (error) {
      process.stdout.write(`health check of ${target} failed: ${error.message}\n`);
      process.exit(1);
    }
    const status = STATUS[response.status] || `status ${response.status}`;
    process.stdout.write(`${target}: ${status}\n`);
    process.exit(status === 'SERVING' ? 0 : 1);
  });
}

try {
  main();
} catch (error) {
  process.stdout.write(`health check: ${error.message}\n`);
  process.exit(2);
}
