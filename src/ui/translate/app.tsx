/**
 * Entry point of the interactive translator, called by `seq2seq translate` when stdin and stdout
 * are terminals: renders the Ink app and resolves when the user quits (:quit, Ctrl-C, Ctrl-D).
 */
import { render } from 'ink';
import { applyColourPolicy } from '../shared/colour.js';
import { describeModel } from './model-info.js';
import { TranslateApp } from './TranslateApp.js';
import type { TranslateSettings, TranslatorLike } from './types.js';

export interface InteractiveTranslateArgs {
  translator: TranslatorLike;
  /** The model directory, shown in the header. */
  runDir: string;
  /** Decoding options from the command-line flags. */
  options?: Partial<TranslateSettings>;
  /** Shown in the header instead of runDir (e.g. for an ensemble); the details still come from runDir's config. */
  modelLabel?: string;
  /** Cut each entered line into sentences (translate --split-sentences). */
  splitSentences?: boolean;
}

export async function runInteractiveTranslate(args: InteractiveTranslateArgs): Promise<void> {
  const { translator, runDir, options = {}, modelLabel, splitSentences } = args;
  // NO_COLOR also for Ink's own styling (the app itself decides with the same colourWanted()).
  applyColourPolicy();
  // Ctrl-C is the app's own quit key (raw mode delivers it as input, not as SIGINT).
  const modelInfo = modelLabel === undefined ? undefined : { ...describeModel(runDir, translator), runDir: modelLabel };
  const instance = render(<TranslateApp {...{ translator, runDir, options, modelInfo, splitSentences }} />, {
    exitOnCtrlC: false,
  });
  await instance.waitUntilExit();
}

export { TranslateApp } from './TranslateApp.js';
export type { TranslateAppProps } from './TranslateApp.js';
export { AttentionView } from './AttentionView.js';
export { NBestList } from './NBestList.js';
export { TokenView } from './TokenView.js';
export type { HypothesisLike, TranslationLike, TranslatorLike, TranslateSettings, TranscriptEntry } from './types.js';
