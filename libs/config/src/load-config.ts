import { z } from 'zod';
import { ConfigError } from './config-error';

export type ConfigSchema = z.ZodObject<Record<string, z.ZodType>>;

/** Variables whose values are never printed, even when they are invalid. */
const SECRET_NAME = /(SECRET|PASSWORD|API_KEY|HMAC_KEY|PRIVATE|CREDENTIAL|_TOKEN$)/;

export function isSecretVariable(name: string): boolean {
  return SECRET_NAME.test(name) && !name.endsWith('_FILE');
}

/**
 * Validates the environment against a schema whose keys are the variable names. Fails with a
 * ConfigError naming every bad variable (never echoing a secret's value). Empty strings count
 * as unset, so `FOO=` in a manifest falls back to the default instead of failing obscurely.
 */
export function loadConfig<S extends ConfigSchema>(schema: S, source: NodeJS.ProcessEnv = process.env): z.output<S> {
  const input: Record<string, string | undefined> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = source[key];
    input[key] = value === undefined || value === '' ? undefined : value;
  }
  const result = schema.safeParse(input);
  if (result.success) return result.data;

  const problems = result.error.issues.map((issue) => {
    const variable = String(issue.path[0] ?? '(configuration)');
    const given = input[variable];
    const problem =
      given === undefined
        ? // A rule of the schema's own (superRefine) says why the variable is needed here.
          issue.code === 'custom'
          ? issue.message
          : 'is required but not set'
        : isSecretVariable(variable)
          ? `${issue.message} (value hidden)`
          : `${issue.message} (got '${given}')`;
    return { variable, problem };
  });
  throw new ConfigError(problems);
}

/** The configuration as it may be logged at boot: secrets replaced by a marker. */
export function describeConfig(config: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    out[key] = isSecretVariable(key) && value !== undefined ? '<redacted>' : value;
  }
  return out;
}
