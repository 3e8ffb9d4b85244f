import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConfigSchema } from '@shopsense/config';
import { embeddingService } from '@shopsense/embedding-service';
import { feedbackService } from '@shopsense/feedback-service';
import { queryUnderstandingService } from '@shopsense/query-understanding-service';
import { rankingService } from '@shopsense/ranking-service';
import { retrievalService } from '@shopsense/retrieval-service';
import { REPOSITORY_ROOT, standaloneConfigSchema } from './standalone.config';

/**
 * The configuration reference stays complete: every variable any service or the standalone runner
 * reads is documented in the README or in that service's README.
 */
describe('configuration reference', () => {
  const readme = readFileSync(join(REPOSITORY_ROOT, 'README.md'), 'utf8');
  const serviceReadme = (name: string) => {
    try {
      return readFileSync(join(REPOSITORY_ROOT, 'services', name, 'README.md'), 'utf8');
    } catch {
      return '';
    }
  };
  const variables = (schema: ConfigSchema) => Object.keys(schema.shape);

  it.each([embeddingService, queryUnderstandingService, retrievalService, feedbackService, rankingService].map((s) => [s.name, s.configSchema] as const))('documents every variable of %s', (name, schema) => {
    const docs = readme + serviceReadme(name);
    expect(variables(schema).filter((v) => !docs.includes(`\`${v}\``))).toEqual([]);
  });

  it('documents every variable of the standalone runner in the README', () => {
    expect(variables(standaloneConfigSchema as unknown as ConfigSchema).filter((v) => !readme.includes(`\`${v}\``))).toEqual([]);
  });
});
