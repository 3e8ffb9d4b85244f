import { AppError } from './app-error';
import { FieldValidator } from './field-validator';

describe('FieldValidator', () => {
  it('passes when every check holds', () => {
    const v = new FieldValidator().required('shoes', 'query').maxLength('shoes', 10, 'query').range(5, 1, 10, 'page_size');
    expect(v.isValid).toBe(true);
    expect(() => v.throwIfInvalid()).not.toThrow();
  });

  it('reports every bad field at once, by name', () => {
    const v = new FieldValidator().required('  ', 'query').range(500, 1, 100, 'page_size');
    let error: unknown;
    try {
      v.throwIfInvalid();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AppError);
    const appError = error as AppError;
    expect(appError.code).toBe('INVALID_ARGUMENT');
    expect(appError.fieldViolations.map((f) => f.field)).toEqual(['query', 'page_size']);
    expect(appError.message).toContain('page_size: must be between 1 and 100 (got 500)');
  });

  it('rejects NaN in ranges', () => {
    expect(new FieldValidator().range(Number.NaN, 0, 1, 'x').isValid).toBe(false);
  });
});
