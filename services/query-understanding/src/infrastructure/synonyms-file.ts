import { readFileSync, statSync } from 'node:fs';
import type { Logger } from '@shopsense/observability';
import { parseSynonyms, type SynonymRule } from '../domain/synonyms/synonym-rules';

/**
 * The operator's synonyms file (QU_SYNONYMS_FILE, typically a mounted ConfigMap), read at start
 * and polled for changes, so an edit reaches the dictionaries without a restart. A file that
 * cannot be read at start stops the service (a wrong path is a configuration error); one that
 * becomes unreadable later keeps the last good rules.
 */
export class SynonymsFile {
  private current: SynonymRule[] = [];
  private lastModified = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly path: string,
    private readonly logger: Logger,
  ) {}

  get rules(): readonly SynonymRule[] {
    return this.current;
  }

  load(): void {
    // Time first, then content: a write in between is seen again at the next check, never lost.
    const modified = statSync(this.path).mtimeMs;
    const text = readFileSync(this.path, 'utf8');
    this.lastModified = modified;
    const { rules, problems } = parseSynonyms(text);
    for (const p of problems) this.logger.warn({ file: this.path, line: p.line, problem: p.problem }, 'synonyms line skipped');
    this.current = rules;
    this.logger.info({ file: this.path, rules: rules.length }, 'synonyms loaded');
  }

  /**
   * Checks the file's modification time every `intervalMs` (against the version last loaded, so
   * no change can slip between loading and watching) and calls `onChange` after a reload.
   */
  watch(intervalMs: number, onChange: () => void): void {
    this.timer = setInterval(() => {
      let modified: number;
      try {
        modified = statSync(this.path).mtimeMs;
      } catch (error) {
        this.logger.warn({ err: error, file: this.path }, 'synonyms file unreadable; keeping the previous rules');
        return;
      }
      if (modified === this.lastModified) return;
      try {
        this.load();
        onChange();
      } catch (error) {
        this.logger.warn({ err: error, file: this.path }, 'synonyms file unreadable; keeping the previous rules');
      }
    }, intervalMs);
    this.timer.unref();
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
