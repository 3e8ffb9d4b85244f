import { AppError, describeViolations, type FieldViolation } from './app-error';

/**
 * Collects every violation of a request before failing, so a caller learns about all bad
 * fields in one round trip instead of fixing them one at a time.
 */
export class FieldValidator {
  private readonly violations: FieldViolation[] = [];

  check(condition: boolean, field: string, description: string): this {
    if (!condition) this.violations.push({ field, description });
    return this;
  }

  required(value: string | undefined | null, field: string): this {
    return this.check(typeof value === 'string' && value.trim().length > 0, field, 'is required');
  }

  maxLength(value: string, max: number, field: string): this {
    return this.check(value.length <= max, field, `must be at most ${max} characters (got ${value.length})`);
  }

  range(value: number, min: number, max: number, field: string): this {
    return this.check(Number.isFinite(value) && value >= min && value <= max, field, `must be between ${min} and ${max} (got ${value})`);
  }

  /** Every violation in one line ("field: description; …"), or undefined when there is none. */
  problems(): string | undefined {
    return this.violations.length === 0 ? undefined : describeViolations(this.violations);
  }

  get isValid(): boolean {
    return this.violations.length === 0;
  }

  /** Throws an INVALID_ARGUMENT AppError naming every violation, if there is any. */
  throwIfInvalid(): void {
    if (this.violations.length > 0) throw AppError.invalidArgument([...this.violations]);
  }
}
