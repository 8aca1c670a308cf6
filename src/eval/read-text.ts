/** Reading whole plain-text files as lines (hypotheses, references) with the shared UTF-8 rules. */
import { readLines } from '../data/line-reader.js';

/** Every line of a UTF-8 text file (empty lines kept). Invalid UTF-8 → InputError `file:line: …`. */
export async function readTextLines(path: string): Promise<string[]> {
  const out: string[] = [];
  for await (const l of readLines(path)) out.push(l.text);
  return out;
}
