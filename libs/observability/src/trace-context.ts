import { randomBytes } from 'node:crypto';

/**
 * W3C Trace Context (the `traceparent` header OpenTelemetry propagates by default), carried
 * over gRPC metadata and Kafka headers so that a request and the events it causes share one
 * trace id, whichever tracing backend an operator plugs in.
 */
export interface TraceContext {
  traceId: string; // 32 lowercase hex chars, not all zero
  spanId: string; // 16 lowercase hex chars, not all zero
  sampled: boolean;
}

export const TRACEPARENT_HEADER = 'traceparent';

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

export function parseTraceparent(value: string | undefined | null): TraceContext | undefined {
  if (!value) return undefined;
  const match = TRACEPARENT.exec(value.trim().toLowerCase());
  if (!match) return undefined;
  const [, version, traceId, spanId, flags] = match as unknown as [string, string, string, string, string];
  if (version === 'ff' || /^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined;
  return { traceId, spanId, sampled: (parseInt(flags, 16) & 1) === 1 };
}

export function formatTraceparent(context: TraceContext): string {
  return `00-${context.traceId}-${context.spanId}-${context.sampled ? '01' : '00'}`;
}

/** A child span of `parent` (same trace, new span id), or a new root trace. */
export function childTraceContext(parent?: TraceContext): TraceContext {
  return {
    traceId: parent?.traceId ?? randomBytes(16).toString('hex'),
    spanId: randomBytes(8).toString('hex'),
    sampled: parent?.sampled ?? true,
  };
}
