interface TrieNode<T> {
  children: Map<string, TrieNode<T>>;
  values: T[];
}

export interface PhraseHit<T> {
  /** Number of tokens the phrase spans. */
  length: number;
  values: readonly T[];
}

/**
 * Phrases as sequences of token keys (stems for English, words for Chinese) in a trie, so a
 * query is matched left to right, longest phrase first, in time linear in its tokens, however
 * many brands and values the catalog has.
 */
export class PhraseIndex<T> {
  private readonly root: TrieNode<T> = { children: new Map(), values: [] };
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(keys: readonly string[], value: T): void {
    if (keys.length === 0) return;
    let node = this.root;
    for (const key of keys) {
      let child = node.children.get(key);
      if (!child) {
        child = { children: new Map(), values: [] };
        node.children.set(key, child);
      }
      node = child;
    }
    if (node.values.length === 0) this.count++;
    node.values.push(value);
  }

  get(keys: readonly string[]): readonly T[] {
    let node: TrieNode<T> | undefined = this.root;
    for (const key of keys) {
      node = node.children.get(key);
      if (!node) return [];
    }
    return node.values;
  }

  /** The longest phrase that starts at `keys[from]` and ends before `keys[to]`, if any. */
  longestAt(keys: readonly string[], from: number, to = keys.length): PhraseHit<T> | undefined {
    let node: TrieNode<T> | undefined = this.root;
    let best: PhraseHit<T> | undefined;
    for (let i = from; i < to; i++) {
      node = node.children.get(keys[i]);
      if (!node) break;
      if (node.values.length > 0) best = { length: i - from + 1, values: node.values };
    }
    return best;
  }
}
