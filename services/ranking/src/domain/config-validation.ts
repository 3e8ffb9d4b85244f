/**
 * Hand-written validation for the ranking service's JSON configuration files (business rules,
 * experiments). The domain layer has no schema library, and configuration errors must name the
 * exact place that is wrong ("experiments[1].variants[0].share: must be a number in [0, 1]"), so
 * a reader walks the document with a path and collects every issue before failing once.
 */
export interface ConfigIssue {
  /** Where in the document, for example `rules[2].match.brand`; `(root)` for the document itself. */
  path: string;
  message: string;
}

/** Thrown at boot (or on reload) when a configuration document is invalid; lists every issue. */
export class ConfigValidationError extends Error {
  readonly issues: readonly ConfigIssue[];

  constructor(document: string, issues: readonly ConfigIssue[]) {
    super(`invalid ${document}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
    this.name = 'ConfigValidationError';
    this.issues = issues;
  }
}

export const childPath = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);
export const indexPath = (path: string, index: number): string => `${path}[${index}]`;
const shown = (path: string) => (path === '' ? '(root)' : path);

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `"${value.length > 40 ? `${value.slice(0, 40)}…` : value}"`;
  if (typeof value === 'object') return 'an object';
  return String(value);
}

/** Reads typed values out of an unknown document, recording an issue (with its path) for each mismatch. */
export class ConfigReader {
  private readonly found: ConfigIssue[] = [];

  get issues(): readonly ConfigIssue[] {
    return this.found;
  }

  fail(path: string, message: string): undefined {
    this.found.push({ path: shown(path), message });
    return undefined;
  }

  /** Throws a ConfigValidationError naming every issue, if there is any. */
  throwIfInvalid(document: string): void {
    if (this.found.length > 0) throw new ConfigValidationError(document, [...this.found]);
  }

  object(value: unknown, path: string, allowedKeys?: readonly string[]): Record<string, unknown> | undefined {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return this.fail(path, `must be an object (got ${describe(value)})`);
    const record = value as Record<string, unknown>;
    if (allowedKeys) {
      for (const key of Object.keys(record)) {
        if (!allowedKeys.includes(key)) this.fail(childPath(path, key), `unknown key (allowed: ${allowedKeys.join(', ')})`);
      }
    }
    return record;
  }

  array(value: unknown, path: string): unknown[] | undefined {
    if (!Array.isArray(value)) return this.fail(path, `must be an array (got ${describe(value)})`);
    return value;
  }

  string(value: unknown, path: string, options: { maxLength?: number } = {}): string | undefined {
    if (typeof value !== 'string' || value.trim().length === 0) return this.fail(path, `must be a non-empty string (got ${describe(value)})`);
    if (options.maxLength !== undefined && value.length > options.maxLength) return this.fail(path, `must be at most ${options.maxLength} characters (got ${value.length})`);
    return value;
  }

  number(value: unknown, path: string, options: { min?: number; max?: number; integer?: boolean; exclusiveMin?: boolean } = {}): number | undefined {
    if (typeof value !== 'number' || !Number.isFinite(value)) return this.fail(path, `must be a finite number (got ${describe(value)})`);
    if (options.integer && !Number.isInteger(value)) return this.fail(path, `must be an integer (got ${value})`);
    const { min, max } = options;
    const belowMin = min !== undefined && (options.exclusiveMin ? value <= min : value < min);
    if (belowMin || (max !== undefined && value > max)) {
      const lower = min === undefined ? '' : options.exclusiveMin ? `> ${min}` : `>= ${min}`;
      const upper = max === undefined ? '' : `<= ${max}`;
      return this.fail(path, `must be ${[lower, upper].filter((s) => s).join(' and ')} (got ${value})`);
    }
    return value;
  }

  boolean(value: unknown, path: string): boolean | undefined {
    if (typeof value !== 'boolean') return this.fail(path, `must be true or false (got ${describe(value)})`);
    return value;
  }

  /** A list of non-empty strings. */
  strings(value: unknown, path: string): string[] | undefined {
    const list = this.array(value, path);
    if (!list) return undefined;
    const out: string[] = [];
    list.forEach((item, i) => {
      const text = this.string(item, indexPath(path, i));
      if (text !== undefined) out.push(text);
    });
    return out;
  }
}
