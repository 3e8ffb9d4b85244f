import { z } from 'zod';

/**
 * Small, explicit parsers for environment variables. Every variable is a string in the
 * environment, so each helper turns the string into a typed value and says exactly what it
 * expected when it cannot.
 */
export const env = {
  string: (defaultValue?: string) =>
    defaultValue === undefined ? z.string().min(1, 'must not be empty') : z.string().min(1, 'must not be empty').default(defaultValue),

  optionalString: () => z.string().optional().transform((v) => (v === undefined || v === '' ? undefined : v)),

  int: (options: { min?: number; max?: number; default?: number } = {}) => {
    const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = options;
    const parser = z
      .string()
      .regex(/^-?\d+$/, `must be an integer between ${min} and ${max}`)
      .transform(Number)
      .pipe(z.number().int().min(min, `must be >= ${min}`).max(max, `must be <= ${max}`));
    return options.default === undefined ? parser : parser.default(options.default);
  },

  number: (options: { min?: number; max?: number; default?: number } = {}) => {
    const { min = -Number.MAX_VALUE, max = Number.MAX_VALUE } = options;
    const parser = z
      .string()
      .regex(/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/, 'must be a number')
      .transform(Number)
      .pipe(z.number().min(min, `must be >= ${min}`).max(max, `must be <= ${max}`));
    return options.default === undefined ? parser : parser.default(options.default);
  },

  bool: (defaultValue?: boolean) => {
    const parser = z
      .enum(['true', 'false', '1', '0'], { message: "must be 'true' or 'false'" })
      .transform((v) => v === 'true' || v === '1');
    return defaultValue === undefined ? parser : parser.default(defaultValue);
  },

  oneOf: <const T extends readonly [string, ...string[]]>(values: T, defaultValue?: T[number]) => {
    const parser = z.enum(values, { message: `must be one of ${values.join(', ')}` });
    return defaultValue === undefined ? parser : parser.default(defaultValue);
  },

  /** A comma-separated list, e.g. `KAFKA_BROKERS=host1:9092,host2:9092`. */
  list: (defaultValue?: string[]) => {
    const parser = z
      .string()
      .transform((v) => v.split(',').map((s) => s.trim()).filter((s) => s.length > 0))
      .pipe(z.array(z.string()).min(1, 'must list at least one value'));
    return defaultValue === undefined ? parser : parser.default(defaultValue);
  },

  url: (protocols: readonly string[], defaultValue?: string) => {
    const parser = z.string().refine(
      (v) => {
        try {
          return protocols.includes(new URL(v).protocol.replace(/:$/, ''));
        } catch {
          return false;
        }
      },
      { message: `must be a URL with scheme ${protocols.join(' or ')}` },
    );
    return defaultValue === undefined ? parser : parser.default(defaultValue);
  },
};
