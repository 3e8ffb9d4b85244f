import { readFileSync } from 'node:fs';
import { ChannelCredentials, ServerCredentials } from '@grpc/grpc-js';

export type TlsMode = 'tls' | 'mtls' | 'insecure';

export interface ServerTlsOptions {
  mode: TlsMode;
  certFile?: string | undefined;
  keyFile?: string | undefined;
  /** CA that signs client certificates; required for mtls. */
  caFile?: string | undefined;
}

function read(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new Error(`cannot read ${what} '${path}': ${(error as Error).message}`);
  }
}

export function serverCredentials(options: ServerTlsOptions): ServerCredentials {
  if (options.mode === 'insecure') return ServerCredentials.createInsecure();
  if (!options.certFile || !options.keyFile) throw new Error(`TLS mode '${options.mode}' needs a certificate and a key file`);
  const keyPair = { cert_chain: read(options.certFile, 'TLS certificate'), private_key: read(options.keyFile, 'TLS key') };
  if (options.mode === 'mtls') {
    if (!options.caFile) throw new Error("TLS mode 'mtls' needs a CA file to check client certificates");
    return ServerCredentials.createSsl(read(options.caFile, 'TLS CA'), [keyPair], true);
  }
  return ServerCredentials.createSsl(null, [keyPair], false);
}

export interface ClientTlsOptions {
  mode: TlsMode;
  /** CA that signs the server certificate (defaults to the system roots). */
  caFile?: string | undefined;
  /** Client certificate and key, for mtls. */
  certFile?: string | undefined;
  keyFile?: string | undefined;
}

export function channelCredentials(options: ClientTlsOptions): ChannelCredentials {
  if (options.mode === 'insecure') return ChannelCredentials.createInsecure();
  const ca = options.caFile ? read(options.caFile, 'TLS CA') : null;
  if (options.mode === 'mtls') {
    if (!options.certFile || !options.keyFile) throw new Error("TLS mode 'mtls' needs a client certificate and key");
    return ChannelCredentials.createSsl(ca, read(options.keyFile, 'TLS client key'), read(options.certFile, 'TLS client certificate'));
  }
  return ChannelCredentials.createSsl(ca);
}
