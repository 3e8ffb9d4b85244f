/**
 * A counter's values from a service's `/metrics` (Prometheus text), keyed by one of its labels,
 * over the series whose labels include every pair in `where`.
 */
export async function counterByLabel(metricsPort: number, name: string, label: string, where: Record<string, string> = {}): Promise<Record<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const counts: Record<string, number> = {};
  for (const [, labelText, value] of text.matchAll(new RegExp(`^${name}\\{([^}]*)\\} (\\S+)$`, 'gm'))) {
    const labels = Object.fromEntries([...labelText!.matchAll(/(\w+)="([^"]*)"/g)].map(([, key, v]) => [key!, v!]));
    const key = labels[label];
    if (key !== undefined && Object.entries(where).every(([k, v]) => labels[k] === v)) counts[key] = Number(value);
  }
  return counts;
}
