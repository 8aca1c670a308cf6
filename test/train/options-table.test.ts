/**
 * The one declaration of the train settings (src/train/options.ts) against everything derived
 * from it: commander's options of `seq2seq train`, the flags → settings layer, the zod schemas and
 * their messages, the built-in defaults, and the settings table of docs/training.md. Any of them
 * disagreeing with the table (a flag added by hand, a schema key without a declaration, a docs
 * table edited by hand or not regenerated) fails here.
 */
import { readFileSync } from 'node:fs';
import { Command, type Option } from 'commander';
import { describe, expect, it } from 'vitest';
import { register } from '../../src/cli/commands/train.js';
import { flagName, flagsToSettings } from '../../src/cli/train-options.js';
import { DEFAULTS, ModelSettingsSchema, TrainSettingsSchema, parseTrainSettings } from '../../src/train/config.js';
import { TABLE_END, TABLE_START, trainOptionsMarkdown } from '../../src/train/options-markdown.js';
import { TRAIN_OPTIONS, type TrainOption } from '../../src/train/options.js';
import { PRESETS, PRESET_NAMES } from '../../src/train/presets.js';

const OPTIONS = TRAIN_OPTIONS as readonly TrainOption[];
const OWN = ['--config', '--resume', '--log-format']; // the command's own options, not settings
const docs = readFileSync(new URL('../../docs/training.md', import.meta.url), 'utf8');

function trainCommand(): Command {
  const program = new Command().exitOverride();
  register(program);
  const cmd = program.commands.find((c) => c.name() === 'train')!;
  return cmd.exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
}

/** commander's parsed options of `seq2seq train ARGS` (the action replaced by a capture). */
async function parsed(args: string[]): Promise<Record<string, unknown>> {
  const cmd = trainCommand();
  let opts: Record<string, unknown> = {};
  cmd.action((o: Record<string, unknown>) => {
    opts = o;
  });
  await cmd.parseAsync(args, { from: 'user' });
  return opts;
}

/** The settings layer the command line ARGS give, through commander, flagsToSettings and the schema. */
async function layer(args: string[]): Promise<Record<string, unknown>> {
  return parseTrainSettings(flagsToSettings(await parsed(args)), 'options', flagName) as Record<string, unknown>;
}

const valueAt = (l: Record<string, unknown>, key: string): unknown =>
  key.startsWith('model.') ? (l.model as Record<string, unknown> | undefined)?.[key.slice(6)] : l[key];

/** A valid value of each kind, as typed on the command line, and as the settings hold it. */
function sample(o: TrainOption): { text: string[]; value: unknown } {
  switch (o.type) {
    case 'int':
      return { text: ['12'], value: 12 };
    case 'number':
      return { text: ['0.25'], value: 0.25 };
    case 'enum':
      return { text: [o.values[o.values.length - 1]], value: o.values[o.values.length - 1] };
    case 'paths':
      return { text: ['a.en', 'a.de'], value: ['a.en', 'a.de'] };
    case 'boolean':
      return { text: [], value: true };
    default:
      return { text: ['x7'], value: 'x7' };
  }
}

describe('train settings: one declaration', () => {
  it('declares each key and each flag once; keys and flags that are not the same name are the only renames', () => {
    const keys = OPTIONS.flatMap((o) => (o.key === null ? [] : [o.key]));
    const flags = OPTIONS.flatMap((o) => (o.flag === null ? [] : [o.flag]));
    expect(new Set(keys).size).toBe(keys.length);
    expect(new Set(flags).size).toBe(flags.length);
    const kebab = (k: string) => k.replace(/^model\./, '').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    const renamed = OPTIONS.filter((o) => o.key !== null && o.flag !== null && o.flag !== kebab(o.key));
    const renames = renamed.map((o) => `${o.key} ← --${o.flag}`);
    expect(renames).toEqual(['model.tiedTargetEmbeddings ← --tied-embeddings']);
    for (const o of OPTIONS) {
      if (o.key === null) expect(o.sets?.length, `--${o.flag}`).toBeGreaterThan(0);
      if (o.key !== null && !o.key.startsWith('model.')) {
        expect(o.default !== undefined || o.required === true, `${o.key} has a default or is required`).toBe(true);
      }
    }
  });

  it("commander has exactly the declared flags (with their value placeholders) plus the command's own options", () => {
    const cmd = trainCommand();
    const longs = cmd.options.map((x: Option) => x.long!);
    const expected: string[] = [];
    for (const o of OPTIONS) {
      if (o.flag === null) continue;
      if (o.type !== 'boolean') expected.push(`--${o.flag}`);
      else if (o.forms === 'off') expected.push(`--no-${o.flag}`);
      else expected.push(`--${o.flag}`, ...(o.forms === 'both' ? [`--no-${o.flag}`] : []));
    }
    expect(longs.filter((l) => !OWN.includes(l))).toEqual(expected);
    expect(longs.filter((l) => OWN.includes(l)).sort()).toEqual([...OWN].sort());
    for (const x of cmd.options as Option[]) {
      const o = OPTIONS.find((y) => y.flag !== null && [`--${y.flag}`, `--no-${y.flag}`].includes(x.long!));
      if (!o) continue;
      expect(x.description.length, x.long).toBeGreaterThan(0);
      if (o.type === 'boolean') expect(x.required || x.optional, x.long).toBe(false);
      else expect(x.flags, x.long).toBe(`--${o.flag} <${o.arg}${o.type === 'paths' ? '...' : ''}>`);
    }
    for (const own of OWN) expect(docs, `docs/training.md mentions ${own}`).toContain(`\`${own} `);
  });

  it('every flag sets its declared key (through commander, flagsToSettings and the schema); nothing else', async () => {
    for (const o of OPTIONS) {
      if (o.flag === null) continue;
      const keys = o.key !== null ? [o.key] : [...(o.sets ?? [])];
      const cases: { args: string[]; value: unknown }[] =
        o.type !== 'boolean'
          ? [{ args: [`--${o.flag}`, ...sample(o).text], value: sample(o).value }]
          : [
              ...(o.forms !== 'off' ? [{ args: [`--${o.flag}`], value: true }] : []),
              ...(o.forms === 'off' || o.forms === 'both' ? [{ args: [`--no-${o.flag}`], value: false }] : []),
            ];
      for (const c of cases) {
        const l = await layer(c.args);
        for (const key of keys) expect(valueAt(l, key), c.args.join(' ')).toEqual(c.value);
        const model = Object.keys(l.model ?? {}).map((k) => `model.${k}`);
        const setKeys = [...Object.keys(l).filter((k) => k !== 'model'), ...model];
        expect(setKeys.sort(), c.args.join(' ')).toEqual([...keys].sort());
      }
    }
    expect(await layer([])).toEqual({});
  });

  it('the schemas have exactly the declared keys, with the declared bounds and their messages', () => {
    const schemaKeys = [
      ...Object.keys(TrainSettingsSchema.shape).filter((k) => k !== 'model'),
      ...Object.keys(ModelSettingsSchema.shape).map((k) => `model.${k}`),
    ];
    const declared = OPTIONS.flatMap((o) => (o.key === null ? [] : [o.key]));
    expect(schemaKeys.sort()).toEqual([...declared].sort());
    const doc = (key: string, v: unknown): unknown =>
      key.startsWith('model.') ? { model: { [key.slice(6)]: v } } : { [key]: v };
    const fails = (key: string, v: unknown, message: string) =>
      expect(() => parseTrainSettings(doc(key, v), 'f.json'), `${key} = ${JSON.stringify(v)}`).toThrow(
        `f.json: ${key} ${message}`,
      );
    for (const o of OPTIONS) {
      if (o.key === null) continue;
      const k = o.key;
      expect(() => parseTrainSettings(doc(k, sample(o).value), 'f.json'), k).not.toThrow();
      if (o.type === 'int' || o.type === 'number') fails(k, true, 'must be a number');
      if (o.type === 'duration') fails(k, true, 'must be a duration such as "30m" or a number of seconds');
      if (o.type === 'int') {
        fails(k, 2.5, 'must be an integer');
        fails(k, -1, o.bound === 'positive' ? 'must be positive' : 'must be ≥ 0');
        if (o.min !== undefined) fails(k, o.min - 1, `must be at least ${o.min}`);
        else expect(() => parseTrainSettings(doc(k, o.bound === 'positive' ? 1 : 0), 'f.json')).not.toThrow();
      }
      if (o.type === 'number') {
        const edge = {
          positive: [0, 'must be positive'],
          'non-negative': [-0.5, 'must be ≥ 0'],
          unit: [1, 'must be in [0, 1)'],
          'open-unit': [0, 'must be in (0, 1)'],
        } as const;
        fails(k, edge[o.bound][0], edge[o.bound][1]);
      }
      if (o.type === 'enum') {
        fails(k, 'zzz', `must be ${o.values.slice(0, -1).join(', ')} or ${o.values[o.values.length - 1]}`);
      }
      if (o.type === 'boolean') fails(k, 'yes', 'must be true or false');
      if (o.type === 'paths') fails(k, ['a', 'b', 'c'], 'is one or two paths');
    }
  });

  it('an out-of-bounds flag is named as the user typed it', async () => {
    await expect(layer(['--dropout', '1'])).rejects.toThrow(/^options: --dropout must be in \[0, 1\)$/);
    await expect(layer(['--layers', '0'])).rejects.toThrow(/^options: --encoder-layers must be positive$/);
    await expect(layer(['--vocab-size', '7'])).rejects.toThrow(/^options: --vocab-size must be at least 8$/);
    await expect(layer(['--decay-factor', '1'])).rejects.toThrow(/^options: --decay-factor must be in \(0, 1\)$/);
    await expect(layer(['--seed', 'x'])).rejects.toThrow(/^--seed: expected a number, got 'x'$/);
    expect(flagName('model.bidirectional')).toBe('--no-bidirectional');
    expect(flagName('model.tiedTargetEmbeddings')).toBe('--[no-]tied-embeddings');
  });

  it('the built-in defaults are the declared ones; every preset passes the schema', () => {
    const top = OPTIONS.filter(
      (o) => o.key !== null && !o.key.startsWith('model.') && !o.required && o.key !== 'preset',
    );
    expect(Object.keys(DEFAULTS).sort()).toEqual(top.map((o) => o.key).sort());
    for (const o of top) expect((DEFAULTS as Record<string, unknown>)[o.key!], o.key!).toBe(o.default);
    for (const name of PRESET_NAMES) expect(() => parseTrainSettings(PRESETS[name], name)).not.toThrow();
  });

  it('docs/training.md holds the table rendered from the declaration (scripts/write-train-options-doc.mjs)', () => {
    const a = docs.indexOf(TABLE_START);
    const b = docs.indexOf(TABLE_END);
    expect(a, 'start marker').toBeGreaterThanOrEqual(0);
    expect(b, 'end marker').toBeGreaterThan(a);
    expect(docs.slice(a + TABLE_START.length + 1, b)).toBe(trainOptionsMarkdown());
    // one row per declared option, in order, naming its key
    const rows = docs
      .slice(a, b)
      .split('\n')
      .filter((l) => l.startsWith('| `') || l.startsWith('| ('));
    expect(rows).toHaveLength(OPTIONS.length);
    OPTIONS.forEach((o, i) => expect(rows[i]).toContain(o.key !== null ? `| \`${o.key}\` |` : `--${o.flag}`));
  });
});
