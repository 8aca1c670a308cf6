/**
 * Tied target embeddings as a setting: the multi30k preset ties them (measured on val, docs/quality.md),
 * the other presets do not, and `--no-tied-embeddings` / `--tied-embeddings` override a preset or a
 * config file from the command line.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { flagsToSettings } from '../../src/cli/commands/train.js';
import { parseTrainSettings, resolveTrainSettings } from '../../src/train/config.js';
import { PRESETS, type PresetName } from '../../src/train/presets.js';
import { parseModelConfig } from '../../src/model/config.js';
import { runCli } from '../helpers/run-cli.js';
import { tinyTrainArgs } from '../helpers/tiny-train.js';
import { tinyCorpus } from './fixtures.js';

const resolve = (preset: PresetName, flags: Parameters<typeof flagsToSettings>[0]) =>
  resolveTrainSettings(
    [{ train: ['x'], out: 'y', preset }, parseTrainSettings(flagsToSettings(flags), 'options')],
    (n) => PRESETS[n],
  ).model.tiedTargetEmbeddings;

describe('tied target embeddings: presets and flags', () => {
  it('multi30k ties them; tiny, small, base and tatoeba do not', () => {
    expect(resolve('multi30k', {})).toBe(true);
    // unset there: the model config's default applies, which is untied
    for (const p of ['tiny', 'small', 'base', 'tatoeba'] as const) expect(resolve(p, {})).toBeUndefined();
    expect(parseModelConfig({ srcVocabSize: 10, tgtVocabSize: 10 }).tiedTargetEmbeddings).toBe(false);
  });

  it('the flag wins over the preset, both ways; no flag leaves the preset alone', () => {
    expect(resolve('multi30k', { tiedEmbeddings: false })).toBe(false);
    expect(resolve('tiny', { tiedEmbeddings: true })).toBe(true);
    expect(flagsToSettings({})).not.toHaveProperty('model');
  });

  it('the CLI parses --no-tied-embeddings to false, over a config file that ties them', async () => {
    const c = tinyCorpus();
    const cfg = join(c.dir, 'tied.json');
    const train = (out: string, extra: string[] = []) =>
      tinyTrainArgs(c, out, { embeddingSize: 12, evalEvery: 1 }, ['--config', cfg, '--max-steps', '1', ...extra]);
    writeFileSync(cfg, JSON.stringify({ model: { tiedTargetEmbeddings: true } }));
    const tied = join(c.dir, 'tied');
    const untied = join(c.dir, 'untied');
    let r = await runCli(train(tied));
    expect(r.code, r.stderr).toBe(0);
    r = await runCli(train(untied, ['--no-tied-embeddings']));
    expect(r.code, r.stderr).toBe(0);
    const model = (dir: string) => JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).model;
    expect(model(tied).tiedTargetEmbeddings).toBe(true);
    expect(model(untied).tiedTargetEmbeddings).toBe(false);
  });
});
