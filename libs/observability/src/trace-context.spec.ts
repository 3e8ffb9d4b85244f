import { childTraceContext, formatTraceparent, parseTraceparent } from './trace-context';

describe('trace context', () => {
  const valid = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

  it('round-trips a valid traceparent', () => {
    const parsed = parseTraceparent(valid);
    expect(parsed).toEqual({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', sampled: true });
    expect(formatTraceparent(parsed!)).toBe(valid);
  });

  it.each([
    '',
    'garbage',
    '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
    '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01',
    'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  ])('rejects %p', (value) => {
    expect(parseTraceparent(value)).toBeUndefined();
  });

  it('keeps the trace id in a child span and makes a new span id', () => {
    const parent = parseTraceparent(valid)!;
    const child = childTraceContext(parent);
    expect(child.traceId).toBe(parent.traceId);
    expect(child.spanId).not.toBe(parent.spanId);
    expect(childTraceContext().traceId).toMatch(/^[0-9a-f]{32}$/);
  });
});
