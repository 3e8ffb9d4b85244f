import { reasonForLog } from './log-redaction';

describe('reasonForLog', () => {
  it('masks quoted values and decoded values, keeping the field names', () => {
    expect(reasonForLog('not a valid shopsense.events.v1.BehaviorEvent (application/json): cannot decode field shopsense.events.v1.BehaviorEvent.user_id from JSON: 12345')).toBe(
      'not a valid shopsense.events.v1.BehaviorEvent (application/json): cannot decode field shopsense.events.v1.BehaviorEvent.user_id from JSON: …',
    );
    expect(reasonForLog('user "alice@example.com" is forgotten')).toBe('user "…" is forgotten');
    expect(reasonForLog("query 'my secret query' too long")).toBe("query '…' too long");
    expect(reasonForLog(undefined)).toBeUndefined();
  });
});
