/**
 * Presets sized for a laptop CPU (measured with the TypeScript backend on 2 shared cores; see
 * docs/training.md): `tiny` trains in about a minute, `small` (the default, used by `npm start`)
 * in a few minutes, `base` is for real corpora such as Multi30k (hours).
 */
import type { TrainSettingsInput } from './config.js';

export type PresetName = 'tiny' | 'small' | 'base';
export const PRESET_NAMES: readonly PresetName[] = ['tiny', 'small', 'base'];

export const PRESETS: Record<PresetName, TrainSettingsInput> = {
  tiny: {
    model: { cell: 'gru', embeddingSize: 32, hiddenSize: 64, attention: 'bahdanau', bidirectional: true, dropout: 0 },
    vocabSize: 600,
    jointVocab: true,
    batchTokens: 1200,
    lr: 0.003,
    maxSteps: 600,
    evalEvery: 200,
    evalMaxSentences: 200,
  },
  small: {
    model: { cell: 'gru', embeddingSize: 64, hiddenSize: 128, attention: 'bahdanau', bidirectional: true, dropout: 0.1 },
    vocabSize: 1500,
    jointVocab: true,
    batchTokens: 1500,
    lr: 0.002,
    maxEpochs: 10,
    timeBudget: '4m',
    evalEvery: 200,
    evalMaxSentences: 300,
  },
  base: {
    model: { cell: 'gru', embeddingSize: 256, hiddenSize: 512, attention: 'bahdanau', bidirectional: true, dropout: 0.3, labelSmoothing: 0.1 },
    vocabSize: 8000,
    jointVocab: false,
    batchTokens: 3000,
    lr: 0.0005,
    schedule: 'plateau',
    maxEpochs: 30,
    evalEvery: 1000,
    patience: 8,
  },
};
