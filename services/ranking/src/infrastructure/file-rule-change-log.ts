import { fromJson, toJson, type JsonValue } from '@bufbuild/protobuf';
import { MerchandisingRuleChangeSchema, type MerchandisingRuleChange } from '@shopsense/contracts';
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { RuleChangeLog } from '../application/merchandising-rules';

/**
 * Standalone's rule store (and a single replica's without Kafka): the latest change of every
 * rule, deletions included, in one JSON file. Each change rewrites the file beside it, syncs it
 * and renames it over the old one, so a crash leaves the old file or the new one, never half of
 * either; the call returns after the rename is on disk.
 */
export class FileRuleChangeLog implements RuleChangeLog {
  private latest = new Map<string, MerchandisingRuleChange>();

  constructor(private readonly file: string) {}

  async start(apply: (change: MerchandisingRuleChange) => string | undefined): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    let changes: MerchandisingRuleChange[];
    try {
      const json = JSON.parse(text) as { changes?: JsonValue[] };
      changes = (json.changes ?? []).map((change) => fromJson(MerchandisingRuleChangeSchema, change));
    } catch (error) {
      throw new Error(`the merchandising rules file ${this.file} is not valid: ${(error as Error).message} (restore it from a backup, or move it away to start without rules)`);
    }
    for (const change of changes) {
      this.latest.set(change.ruleId, change);
      apply(change); // an invalid change is logged by apply and stays in the file, for a person to fix
    }
  }

  async append(change: MerchandisingRuleChange): Promise<void> {
    const next = new Map(this.latest).set(change.ruleId, change);
    const text = JSON.stringify({ changes: [...next.values()].map((c) => toJson(MerchandisingRuleChangeSchema, c)) }, null, 1);
    await mkdir(dirname(this.file), { recursive: true });
    const temporary = `${this.file}.tmp`;
    const handle = await open(temporary, 'w');
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, this.file);
    const folder = await open(dirname(this.file), 'r');
    try {
      await folder.sync();
    } finally {
      await folder.close();
    }
    this.latest = next;
  }

  async close(): Promise<void> {
    // Every write is closed when it returns: nothing is held open.
  }
}
