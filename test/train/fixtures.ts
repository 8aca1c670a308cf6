/** A small aligned corpus (the first lines of the bundled demo corpus) in a temporary directory. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const DEMO = fileURLToPath(new URL('../../corpora/demo/', import.meta.url));

export function tinyCorpus(trainPairs = 60, validPairs = 8): { dir: string; train: string; valid: string } {
  const dir = mkdtempSync(join(tmpdir(), 'seq2seq-train-'));
  for (const side of ['en', 'de']) {
    const lines = readFileSync(join(DEMO, `train.${side}`), 'utf8').split('\n');
    writeFileSync(join(dir, `train.${side}`), lines.slice(0, trainPairs).join('\n') + '\n');
    const v = readFileSync(join(DEMO, `valid.${side}`), 'utf8').split('\n');
    writeFileSync(join(dir, `valid.${side}`), v.slice(0, validPairs).join('\n') + '\n');
  }
  return { dir, train: join(dir, 'train'), valid: join(dir, 'valid') };
}

/** Settings of a model small enough to train a few steps in well under a second. */
export const TINY_MODEL = {
  cell: 'gru',
  embeddingSize: 8,
  hiddenSize: 12,
  attention: 'bahdanau',
  dropout: 0.2,
} as const;
