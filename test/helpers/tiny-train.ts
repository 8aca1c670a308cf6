/**
 * A short training run on a tiny corpus (test/train/fixtures.ts's tinyCorpus): the `seq2seq train`
 * arguments for the CLI, and the same run as resolved settings for the in-process trainer.
 */
import { type TrainSettingsInput, resolveTrainSettings } from '../../src/train/config.js';
import { PRESETS } from '../../src/train/presets.js';
import { TINY_MODEL, type tinyCorpus } from '../train/fixtures.js';

type Corpus = ReturnType<typeof tinyCorpus>;

/** The sizes of a tiny CLI run; each test picks what it needs, the rest stay at these defaults. */
export interface TinyRunSizes {
  embeddingSize?: number;
  hiddenSize?: number;
  vocabSize?: number;
  batchTokens?: number;
  evalEvery?: number;
}

/** `train` on the corpus (en → de) into `out` with the tiny preset and small sizes; `extra` flags go last. */
export function tinyTrainArgs(c: Corpus, out: string, sizes: TinyRunSizes = {}, extra: string[] = []): string[] {
  const s = { embeddingSize: 8, hiddenSize: 12, vocabSize: 80, batchTokens: 240, evalEvery: 3, ...sizes };
  return [
    'train',
    '--train',
    c.train,
    '--valid',
    c.valid,
    '--src',
    'en',
    '--tgt',
    'de',
    '--out',
    out,
    '--preset',
    'tiny',
    '--embedding-size',
    String(s.embeddingSize),
    '--hidden-size',
    String(s.hiddenSize),
    '--vocab-size',
    String(s.vocabSize),
    '--batch-tokens',
    String(s.batchTokens),
    '--eval-every',
    String(s.evalEvery),
    ...extra,
  ];
}

/** The same kind of run as settings (TINY_MODEL, seed 7, 2 samples); `extra` overrides or adds fields. */
export function tinyTrainSettings(c: Corpus, out: string, extra: TrainSettingsInput = {}) {
  return resolveTrainSettings(
    [
      {
        train: [c.train],
        valid: [c.valid],
        src: 'en',
        tgt: 'de',
        out,
        model: { ...TINY_MODEL },
        vocabSize: 80,
        jointVocab: true,
        batchTokens: 240,
        evalEvery: 4,
        samples: 2,
        seed: 7,
        ...extra,
      },
    ],
    (n) => PRESETS[n],
  );
}
