/**
 * The API keys file of `--api-keys FILE`: one key per line; blank lines and lines starting with "#"
 * are ignored, surrounding whitespace is not part of a key. A file without keys is an error (it
 * would lock every client out).
 */
import { readFileSync } from 'node:fs';
import { InputError, at } from '../errors.js';

export function readApiKeys(path: string): Set<string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : `cannot read (${code})`;
    throw new InputError(at(path, undefined, why));
  }
  const keys = new Set<string>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    if (/\s/.test(line)) throw new InputError(at(path, i + 1, 'a key cannot contain spaces (one key per line)'));
    keys.add(line);
  });
  if (keys.size === 0) throw new InputError(at(path, undefined, 'no API keys (one key per line)'));
  return keys;
}
