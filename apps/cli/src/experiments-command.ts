import { toJson, type JsonValue } from '@bufbuild/protobuf';
import { ExperimentMetric, ExperimentService, GetResultsResponseSchema, ListExperimentsResponseSchema } from '@shopsense/contracts';
import { connect, explainCallError, type ConnectionOptions } from './connection';
import type { Output } from './query-commands';
import { fixed, table } from './table';

/** `shopsense experiments [name]`: the running experiments, or one experiment's results. */
export async function experiments(name: string | undefined, connection: ConnectionOptions, out: Output): Promise<void> {
  const client = connect(ExperimentService, connection);
  try {
    if (!name) {
      const response = await client.listExperiments({}).catch((e: unknown) => Promise.reject(explainCallError(e, connection)));
      if (out.json) return out.write(JSON.stringify(toJson(ListExperimentsResponseSchema, response) as JsonValue));
      if (response.experiments.length === 0) return out.write('no experiments configured');
      return out.write(table(['experiment', 'surfaces', 'variants (share)', 'active', 'description'], response.experiments.map((e) => [e.name, e.surfaces.join(','), e.variants.map((v) => `${v.name} ${fixed(v.weight, 2)}`).join(', '), e.active ? 'yes' : 'no', e.description]), 60));
    }
    const results = await client.getResults({ experiment: name }).catch((e: unknown) => Promise.reject(explainCallError(e, connection)));
    if (out.json) return out.write(JSON.stringify(toJson(GetResultsResponseSchema, results) as JsonValue));
    const ci = (c: { lower: number; upper: number } | undefined) => (c ? `[${fixed(c.lower)}, ${fixed(c.upper)}]` : '');
    const variants = table(['variant', 'exposures', 'clicks', 'CTR', 'CTR CI', 'conversions', 'CVR', 'CVR CI'], results.variants.map((v) => [v.variant, String(v.exposures), String(v.clicks), fixed(v.clickRate), ci(v.clickRateCi), String(v.conversions), fixed(v.conversionRate), ci(v.conversionRateCi)]));
    const comparisons = table(['treatment vs control', 'metric', 'difference', 'p-value', 'significant'], results.comparisons.map((c) => [`${c.treatment} vs ${c.control}`, (ExperimentMetric[c.metric] ?? String(c.metric)).replace('EXPERIMENT_METRIC_', '').toLowerCase(), fixed(c.difference, 4), fixed(c.pValue, 4), c.significant ? 'yes' : 'no']));
    // Exposures are impressions that carry a served request id: without them an experiment shows nothing.
    const noExposures = results.variants.every((v) => Number(v.exposures) === 0);
    const hint = noExposures
      ? '\n\nno exposures yet: an experiment counts impression events that carry the request_id of a response it served (your storefront sends them when it shows a list; from here: `npx shopsense search <query> --user <id> --impressions`) and the clicks and purchases that follow them, once their attribution window closes (FEEDBACK_TRAINING_JOIN_WINDOW_S, 30 minutes by default)'
      : '';
    out.write(`${variants}\n\n${comparisons}${hint}`);
  } finally {
    client.close();
  }
}
