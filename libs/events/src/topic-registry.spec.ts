import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALL_TOPIC_NAMES, Topics } from './topic-registry';

/** The local scripts create topics from deploy/local/topics.conf; it must match the registry. */
function topicsConf(): Map<string, string> {
  const text = readFileSync(join(__dirname, '../../../deploy/local/topics.conf'), 'utf8');
  const topics = new Map<string, string>();
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const [name, , policy] = trimmed.split(/\s+/);
    topics.set(name!, policy!);
  }
  return topics;
}

describe('topic registry', () => {
  it('names exactly the topics deploy/local creates', () => {
    expect([...topicsConf().keys()].sort()).toEqual([...ALL_TOPIC_NAMES].sort());
  });

  it('agrees with deploy/local on which topics are compacted', () => {
    const conf = topicsConf();
    for (const topic of Object.values(Topics)) expect([topic.name, conf.get(topic.name)]).toEqual([topic.name, topic.compacted ? 'compact' : 'delete']);
  });
});
