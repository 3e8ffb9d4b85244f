import pino, { type Logger, type LevelWithSilent } from 'pino';
import { currentRequestContext } from './request-context';

export type { Logger } from 'pino';

/**
 * JSON logs on stdout, one line per event, with the service name and, inside a request, its
 * request id and trace id. Keys that look like credentials are redacted wherever they appear.
 */
export function createLogger(service: string, level: LevelWithSilent = 'info', destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: {
        paths: ['*.password', '*.apiKey', '*.api_key', '*.authorization', '*.hmacKey', '*.secret', 'password', 'apiKey', 'authorization'],
        censor: '<redacted>',
      },
      mixin() {
        const context = currentRequestContext();
        return context ? { request_id: context.requestId, trace_id: context.trace.traceId, span_id: context.trace.spanId } : {};
      },
    },
    destination,
  );
}
