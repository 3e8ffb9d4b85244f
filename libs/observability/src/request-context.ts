import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { TraceContext } from './trace-context';

/**
 * What every log line and every outgoing call made while serving one request (or handling one
 * event) needs to know about it. Carried implicitly with AsyncLocalStorage so domain code never
 * has to thread it through.
 */
export interface RequestContext {
  requestId: string;
  trace: TraceContext;
  /** Absolute deadline of the incoming call, propagated to outgoing calls. */
  deadline?: Date;
  /** Aborted when the incoming call is cancelled or its deadline passes. */
  signal?: AbortSignal;
}

const storage = new AsyncLocalStorage<RequestContext>();

export const REQUEST_ID_HEADER = 'x-request-id';

export function currentRequestContext(): RequestContext | undefined {
  return storage.getStore();
}

export function runWithRequestContext<T>(context: RequestContext, fn: () => T): T {
  return storage.run(context, fn);
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Accepts a caller-supplied request id only if it is short and printable; otherwise makes one. */
export function sanitizeRequestId(value: string | undefined | null): string {
  return value && REQUEST_ID.test(value) ? value : randomUUID();
}
