/**
 * Builds a tiny trained-run directory for CLI tests: BPE tokenizers learned on a few sentences and
 * a small random Seq2Seq (the real model classes), written with the run-directory functions.
 */
import { Seq2Seq } from '../../src/model/seq2seq.js';
import { saveTokenizers, writeCheckpoint, writeRunConfig } from '../../src/model/run-dir.js';
import { learnBpe } from '../../src/text/tokenizer.js';
import { Rng } from '../../src/util/rng.js';

export const TINY_SRC = [
  'the cat sits on the mat',
  'a dog runs in the park',
  'the man reads a book',
  'two children play with a ball',
  'a woman walks her dog',
];
export const TINY_TGT = [
  'die katze sitzt auf der matte',
  'ein hund rennt im park',
  'der mann liest ein buch',
  'zwei kinder spielen mit einem ball',
  'eine frau geht mit ihrem hund',
];

/** `seed` draws the weights (default 7); `vocabSize` of both tokenizers (default 60). */
export async function makeTinyRun(
  dir: string,
  opts: { maxSourceLength?: number; attention?: 'bahdanau' | 'none'; seed?: number; vocabSize?: number } = {},
): Promise<string> {
  const src = await learnBpe(TINY_SRC, { vocabSize: opts.vocabSize ?? 60, minFrequency: 1 });
  const tgt = await learnBpe(TINY_TGT, { vocabSize: opts.vocabSize ?? 60, minFrequency: 1 });
  const model = new Seq2Seq(
    {
      cell: 'gru',
      srcVocabSize: src.vocabSize,
      tgtVocabSize: tgt.vocabSize,
      embeddingSize: 8,
      hiddenSize: 12,
      attention: opts.attention ?? 'bahdanau',
      maxSourceLength: opts.maxSourceLength ?? 100,
    },
    new Rng(opts.seed ?? 7),
  );
  const { mkdirSync } = await import('node:fs');
  mkdirSync(dir, { recursive: true });
  const tokenizers = saveTokenizers(dir, src, tgt, false);
  writeRunConfig(dir, { model: model.config, training: {}, tokenizers });
  writeCheckpoint(dir, 'best', model, {});
  return dir;
}
