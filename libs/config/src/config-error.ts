/** Thrown at boot when configuration is missing or malformed; the message names each variable. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly { variable: string; problem: string }[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p.variable}: ${p.problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}
