import { readFileSync } from 'node:fs';
import { parseHmacKeyring, type HmacKeyring } from '@shopsense/user-state';

/** Reads the pseudonymisation keys (a mounted secret). Errors name the variable and the problem, never the content. */
export function readHmacKeyring(path: string, variable = 'FEEDBACK_HMAC_KEYS_FILE'): HmacKeyring {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`${variable}: cannot read '${path}' (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    return parseHmacKeyring(text);
  } catch (error) {
    throw new Error(`${variable}: ${(error as Error).message}`);
  }
}
