import { ConfigReader, ConfigValidationError } from './config-validation';

describe('ConfigReader', () => {
  it('collects every issue with its path, then throws them all at once', () => {
    const reader = new ConfigReader();
    const root = reader.object({ a: 'x', b: -1, extra: true }, '', ['a', 'b']);
    reader.number(root?.['a'], 'a');
    reader.number(root?.['b'], 'b', { min: 0 });
    let error: unknown;
    try {
      reader.throwIfInvalid('test config');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigValidationError);
    const issues = (error as ConfigValidationError).issues;
    expect(issues.map((i) => i.path)).toEqual(['extra', 'a', 'b']);
    expect((error as Error).message).toBe('invalid test config: extra: unknown key (allowed: a, b); a: must be a finite number (got "x"); b: must be >= 0 (got -1)');
  });

  it('names the root as (root) and describes what it got', () => {
    const reader = new ConfigReader();
    reader.object([], '');
    expect(reader.issues).toEqual([{ path: '(root)', message: 'must be an object (got an array)' }]);
  });

  it('checks ranges, integers, strings and booleans', () => {
    const reader = new ConfigReader();
    expect(reader.number(0.5, 'x', { min: 0, max: 1 })).toBe(0.5);
    expect(reader.number(0, 'y', { min: 0, exclusiveMin: true })).toBeUndefined();
    expect(reader.number(1.5, 'z', { integer: true })).toBeUndefined();
    expect(reader.number(Number.NaN, 'n')).toBeUndefined();
    expect(reader.string('  ', 's')).toBeUndefined();
    expect(reader.string('abc', 't', { maxLength: 2 })).toBeUndefined();
    expect(reader.boolean('yes', 'b')).toBeUndefined();
    expect(reader.strings(['a', 3], 'list')).toEqual(['a']);
    expect(reader.issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      'y: must be > 0 (got 0)',
      'z: must be an integer (got 1.5)',
      'n: must be a finite number (got NaN)',
      's: must be a non-empty string (got "  ")',
      't: must be at most 2 characters (got 3)',
      'b: must be true or false (got "yes")',
      'list[1]: must be a non-empty string (got 3)',
    ]);
  });

  it('does not throw when there is nothing wrong', () => {
    expect(() => new ConfigReader().throwIfInvalid('x')).not.toThrow();
  });
});
