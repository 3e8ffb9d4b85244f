import type { DescService } from '@bufbuild/protobuf';
import { channelCredentials, createGrpcClient, type ServiceClient } from '@shopsense/grpc';
import { isAppError } from '@shopsense/errors';

export interface ConnectionOptions {
  addr: string;
  apiKey?: string | undefined;
  tls: boolean;
  ca?: string | undefined;
  timeoutMs: number;
}

/** A message for a person, with what to do next where there is something to do. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export function connect<S extends DescService>(service: S, options: ConnectionOptions): ServiceClient<S> {
  return createGrpcClient(service, options.addr, {
    credentials: channelCredentials({ mode: options.tls ? 'tls' : 'insecure', caFile: options.ca }),
    defaultTimeoutMs: options.timeoutMs,
    maxRetries: 0,
    apiKey: options.apiKey,
  });
}

/** Turns a failed call into what the user should know: above all, whether the server is running. */
export function explainCallError(error: unknown, options: ConnectionOptions): CliError {
  if (!isAppError(error)) return new CliError(error instanceof Error ? error.message : String(error));
  switch (error.code) {
    case 'UNAVAILABLE':
      return new CliError(`cannot reach ShopSense at ${options.addr}: is it running? Start it with \`npm start\` (or pass --addr host:port).`, 2);
    case 'DEADLINE_EXCEEDED':
      return new CliError(`ShopSense at ${options.addr} did not answer within ${options.timeoutMs} ms (raise it with --timeout).`, 2);
    case 'UNAUTHENTICATED':
    case 'PERMISSION_DENIED':
      return new CliError(`${error.message} (pass a key with --api-key or SHOPSENSE_API_KEY)`, 2);
    case 'INVALID_ARGUMENT':
      return new CliError(error.fieldViolations.length > 0 ? `invalid request:\n${error.fieldViolations.map((v) => `  ${v.field}: ${v.description}`).join('\n')}` : error.message);
    default:
      return new CliError(error.message);
  }
}
