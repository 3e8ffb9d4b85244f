import { analyze } from './text-analysis';

export type LexicalField = 'title' | 'brand' | 'category' | 'description';

export interface LexicalDocument {
  id: string;
  title: string;
  brand: string;
  category: string;
  description: string;
}

export interface Bm25Parameters {
  k1: number;
  /** Field weights: a title match counts more than a description match. */
  weights: Record<LexicalField, number>;
  /** Length normalisation per field (0: none, 1: full). */
  b: Record<LexicalField, number>;
}

export const DEFAULT_BM25: Bm25Parameters = {
  k1: 1.2,
  weights: { title: 3, brand: 2, category: 1.5, description: 1 },
  b: { title: 0.75, brand: 0.3, category: 0.3, description: 0.75 },
};

const FIELDS: LexicalField[] = ['title', 'brand', 'category', 'description'];

interface DocEntry {
  id: string;
  /** Field lengths in tokens. */
  lengths: Record<LexicalField, number>;
  /** Term → frequency per field, kept so a delete can remove exactly its postings. */
  terms: Map<string, Record<LexicalField, number>>;
}

/**
 * BM25F over title, brand, category and description: per-field term frequencies are length
 * normalised and weighted, summed, then saturated once (Robertson & Zaragoza). In memory,
 * rebuilt from the catalog at start; upsert and delete are incremental.
 */
export class Bm25Index {
  private readonly docs = new Map<number, DocEntry>();
  private readonly slotById = new Map<string, number>();
  private readonly postings = new Map<string, Map<number, Record<LexicalField, number>>>();
  private readonly totalLength: Record<LexicalField, number> = { title: 0, brand: 0, category: 0, description: 0 };
  private nextSlot = 0;

  constructor(private readonly params: Bm25Parameters = DEFAULT_BM25) {}

  get size(): number {
    return this.docs.size;
  }

  upsert(doc: LexicalDocument): void {
    this.delete(doc.id);
    const slot = this.nextSlot++;
    const lengths = { title: 0, brand: 0, category: 0, description: 0 };
    const terms = new Map<string, Record<LexicalField, number>>();
    for (const field of FIELDS) {
      const tokens = analyze(doc[field]);
      lengths[field] = tokens.length;
      this.totalLength[field] += tokens.length;
      for (const token of tokens) {
        let tf = terms.get(token);
        if (!tf) {
          tf = { title: 0, brand: 0, category: 0, description: 0 };
          terms.set(token, tf);
        }
        tf[field]++;
      }
    }
    for (const [term, tf] of terms) {
      let list = this.postings.get(term);
      if (!list) {
        list = new Map();
        this.postings.set(term, list);
      }
      list.set(slot, tf);
    }
    this.docs.set(slot, { id: doc.id, lengths, terms });
    this.slotById.set(doc.id, slot);
  }

  delete(id: string): boolean {
    const slot = this.slotById.get(id);
    if (slot === undefined) return false;
    const doc = this.docs.get(slot)!;
    for (const term of doc.terms.keys()) {
      const list = this.postings.get(term)!;
      list.delete(slot);
      if (list.size === 0) this.postings.delete(term);
    }
    for (const field of FIELDS) this.totalLength[field] -= doc.lengths[field];
    this.docs.delete(slot);
    this.slotById.delete(id);
    return true;
  }

  /**
   * The ids of every document that holds every word of the query (in any field), or undefined
   * when the query has no searchable word (then no document is excluded by its text). Walks the
   * shortest posting list and looks each document up in the others.
   */
  matchAll(query: string): string[] | undefined {
    const terms = [...new Set(analyze(query))];
    if (terms.length === 0) return undefined;
    const lists: Map<number, Record<LexicalField, number>>[] = [];
    for (const term of terms) {
      const list = this.postings.get(term);
      if (!list) return [];
      lists.push(list);
    }
    lists.sort((a, b) => a.size - b.size);
    const [shortest = new Map(), ...rest] = lists;
    const ids: string[] = [];
    for (const slot of shortest.keys()) {
      const doc = this.docs.get(slot);
      if (doc && rest.every((list) => list.has(slot))) ids.push(doc.id);
    }
    return ids;
  }

  /** The `k` best documents for a query, optionally only among those `accept` lets through. */
  search(query: string, k: number, accept?: (id: string) => boolean): { id: string; score: number }[] {
    const n = this.docs.size;
    if (n === 0 || k <= 0) return [];
    const avg = Object.fromEntries(FIELDS.map((f) => [f, this.totalLength[f] / n || 1])) as Record<LexicalField, number>;
    const scores = new Map<number, number>();
    for (const term of new Set(analyze(query))) {
      const list = this.postings.get(term);
      if (!list) continue;
      const idf = Math.log(1 + (n - list.size + 0.5) / (list.size + 0.5));
      for (const [slot, tf] of list) {
        const doc = this.docs.get(slot)!;
        let weighted = 0;
        for (const field of FIELDS) {
          if (tf[field] === 0) continue;
          const norm = 1 - this.params.b[field] + this.params.b[field] * (doc.lengths[field] / avg[field]);
          weighted += (this.params.weights[field] * tf[field]) / norm;
        }
        scores.set(slot, (scores.get(slot) ?? 0) + (idf * weighted) / (this.params.k1 + weighted));
      }
    }
    const results: { id: string; score: number }[] = [];
    for (const [slot, score] of scores) {
      const id = this.docs.get(slot)!.id;
      if (!accept || accept(id)) results.push({ id, score });
    }
    return results.sort((a, b) => b.score - a.score || a.id.localeCompare(b.id)).slice(0, k);
  }
}
