/**
 * The language pairs the server translates: one loaded model per pair. A model's pair is the one
 * given on the command line (`--model en:de=RUN`), else the languages the run was trained with
 * (`seq2seq train --src en --tgt de`, kept in config.json), else a run directory named like "en-de".
 * The registry answers /languages, resolves `source`/`target` (and `auto`) of a request, and keeps
 * each model's source tokenizer for language detection. Two models for one pair are refused.
 */
import { basename, join } from 'node:path';
import { InputError } from '../errors.js';
import { readRunConfig } from '../model/run-dir.js';
import { Tokenizer } from '../text/tokenizer.js';
import type { DetectionCandidate } from './detect-language.js';
import { isLanguageCode, languageName, normalizeCode } from './languages.js';
import type { ModelSpec } from './options.js';

export interface ServedPair {
  /** The name the decoding thread knows the model by. */
  key: string;
  source: string;
  target: string;
  /** The run directory. */
  dir: string;
  /** The source tokenizer (language detection). */
  encodeSource(text: string): Int32Array;
}

export interface LanguageEntry {
  code: string;
  name: string;
  targets: string[];
}

/** The pair of a loaded run: the spec's, the training settings', or the directory name's. */
export function pairOfRun(
  spec: ModelSpec,
  runDir: string,
  training: Record<string, unknown>,
): { source: string; target: string } {
  if (spec.source !== undefined && spec.target !== undefined) return { source: spec.source, target: spec.target };
  const { src, tgt } = training;
  if (typeof src === 'string' && typeof tgt === 'string' && isLanguageCode(src) && isLanguageCode(tgt)) {
    return { source: normalizeCode(src), target: normalizeCode(tgt) };
  }
  const named = /^([a-z]{2,3})-([a-z]{2,3})$/i.exec(basename(runDir));
  if (named) return { source: normalizeCode(named[1]), target: normalizeCode(named[2]) };
  const hint = `name them: --model en:de=${spec.dir}`;
  throw new InputError(`${spec.dir}: the run does not say its languages (trained without --src/--tgt); ${hint}`);
}

export class ModelRegistry {
  constructor(readonly pairs: readonly ServedPair[]) {
    const seen = new Map<string, string>();
    for (const p of pairs) {
      const name = `${p.source}→${p.target}`;
      const other = seen.get(name);
      if (other !== undefined) throw new InputError(`${p.dir}: a second model for ${name} (${other} has it already)`);
      seen.set(name, p.dir);
    }
  }

  /** Reads each loaded run's pair and source tokenizer; `dirs` maps model keys to run directories. */
  static open(specs: readonly ModelSpec[], dirs: ReadonlyMap<string, string>): ModelRegistry {
    return new ModelRegistry(
      specs.map((spec, i) => {
        const key = String(i);
        const dir = dirs.get(key)!;
        const config = readRunConfig(dir);
        const { source, target } = pairOfRun(spec, dir, config.training);
        const tokenizer = Tokenizer.load(join(dir, config.tokenizers.src));
        return { key, source, target, dir, encodeSource: (text: string) => tokenizer.encode(text) };
      }),
    );
  }

  /** Every language with the targets it translates into (a target-only language has none), by code. */
  languages(): LanguageEntry[] {
    const codes = new Set(this.pairs.flatMap((p) => [p.source, p.target]));
    return [...codes].sort().map((code) => ({
      code,
      name: languageName(code),
      targets: this.pairs
        .filter((p) => p.source === code)
        .map((p) => p.target)
        .sort(),
    }));
  }

  find(source: string, target: string): ServedPair | undefined {
    return this.pairs.find((p) => p.source === source && p.target === target);
  }

  /** The models translating into `target`. */
  into(target: string): ServedPair[] {
    return this.pairs.filter((p) => p.target === target);
  }

  knows(code: string): boolean {
    return this.pairs.some((p) => p.source === code || p.target === code);
  }

  /** Detection candidates: every source language, with its model's tokenizer. */
  detectionCandidates(pairs: readonly ServedPair[] = this.pairs): DetectionCandidate[] {
    return pairs.map((p) => ({ language: p.source, encode: p.encodeSource }));
  }
}
