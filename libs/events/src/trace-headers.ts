import { childTraceContext, currentRequestContext, formatTraceparent, REQUEST_ID_HEADER, TRACEPARENT_HEADER } from '@shopsense/observability';

/**
 * Adds the current request's trace context and request id to outgoing record headers, so the
 * events a request causes can be followed back to it. Headers the caller set win.
 */
export function injectTraceHeaders(headers: Record<string, string>): Record<string, string> {
  const context = currentRequestContext();
  if (!context) return headers;
  return {
    [TRACEPARENT_HEADER]: formatTraceparent(childTraceContext(context.trace)),
    [REQUEST_ID_HEADER]: context.requestId,
    ...headers,
  };
}
