/**
 * Training settings: every option of `seq2seq train`, as a flag and as a key of a JSON config
 * file (`--config train.json`), validated by zod (unknown keys rejected; messages name the field).
 * The keys, their bounds and defaults are declared once, in ./options.ts; the schemas and the
 * defaults here are built from that table. Precedence: defaults < preset < config file < flags.
 * The resolved settings are saved in the run's config.json under "training" (the model's own
 * settings under "model").
 */
import { z } from 'zod';
import { InputError } from '../errors.js';
import { describeSizeProblem, trainSizeProblem } from '../model/size-limits.js';
import { oneLine, parseJson } from '../util/json-file.js';
import { parseDuration } from './duration.js';
import { TRAIN_OPTIONS, type TrainOption } from './options.js';
import type { ModelSettings, TrainSettings, TrainSettingsInput } from './options.js';
import type { PresetName } from './presets.js';

export type { ModelSettings, TrainSettings, TrainSettingsInput } from './options.js';

const number = (f: string) => z.number({ error: `${f} must be a number` });
const integer = (f: string) => number(f).int(`${f} must be an integer`);
const inUnit = (f: string) => number(f).min(0, `${f} must be in [0, 1)`).lt(1, `${f} must be in [0, 1)`);
const inOpenUnit = (f: string) => number(f).gt(0, `${f} must be in (0, 1)`).lt(1, `${f} must be in (0, 1)`);
/** "a, b or c" */
const oneOf = (values: readonly string[]) => `${values.slice(0, -1).join(', ')} or ${values[values.length - 1]}`;

/** The zod type of one option's value; every message starts with the key (`model.dropout must be in [0, 1)`). */
function valueSchema(o: KeyedOption): z.ZodType {
  const f = o.key;
  switch (o.type) {
    case 'int': {
      const base =
        o.bound === 'positive' ? integer(f).positive(`${f} must be positive`) : integer(f).min(0, `${f} must be ≥ 0`);
      return o.min === undefined ? base : base.min(o.min, `${f} must be at least ${o.min}`);
    }
    case 'number':
      if (o.bound === 'positive') return number(f).positive(`${f} must be positive`);
      if (o.bound === 'non-negative') return number(f).min(0, `${f} must be ≥ 0`);
      return o.bound === 'unit' ? inUnit(f) : inOpenUnit(f);
    case 'enum':
      return z.enum(o.values as [string, ...string[]], { error: `${f} must be ${oneOf(o.values)}` });
    case 'boolean':
      return z.boolean({ error: `${f} must be true or false` });
    case 'string':
      return z.string({ error: `${f} must be a string` });
    case 'path':
      return z.string({ error: `${f} must be a path` });
    case 'paths': {
      const error = `${f} must be a list of paths`;
      return z.array(z.string({ error }), { error }).min(1, `${f} needs a path`).max(2, `${f} is one or two paths`);
    }
    case 'duration':
      return z.union([number(f).positive(`${f} must be positive`), z.string()], {
        error: `${f} must be a duration such as "30m" or a number of seconds`,
      });
  }
}

type KeyedOption = TrainOption & { key: string };
const keyed = (TRAIN_OPTIONS as readonly TrainOption[]).filter((o): o is KeyedOption => o.key !== null);
const isModelKey = (key: string): boolean => key.startsWith('model.');

/** The model keys a training config may set (vocabulary sizes come from the tokenizers). */
export const ModelSettingsSchema = z
  .object(Object.fromEntries(keyed.filter((o) => isModelKey(o.key)).map((o) => [o.key.slice(6), valueSchema(o)])))
  .partial()
  .strict();

export const TrainSettingsSchema = z
  .object({
    ...Object.fromEntries(keyed.filter((o) => !isModelKey(o.key)).map((o) => [o.key, valueSchema(o)])),
    model: ModelSettingsSchema,
  })
  .partial()
  .strict();

/** The preset applied when no layer names one. */
export const DEFAULT_PRESET = keyed.find((o) => o.key === 'preset')?.default as PresetName;

/** The built-in defaults of the other top-level keys (the model's come from its config schema). */
export const DEFAULTS = Object.fromEntries(
  keyed
    .filter((o) => !isModelKey(o.key) && o.required === undefined && o.key !== 'preset')
    .map((o) => [o.key, o.default ?? null]),
) as Omit<TrainSettings, 'train' | 'out' | 'model' | 'preset'>;

/** Validates one layer of settings (a config file or the flags); InputError `where: field: problem`. */
export function parseTrainSettings(
  raw: unknown,
  where: string,
  rename: (field: string) => string = (f) => f,
): TrainSettingsInput {
  const r = TrainSettingsSchema.safeParse(raw);
  if (r.success) {
    // Sizes beyond reason (src/model/size-limits.ts) are refused before anything is allocated.
    const size = trainSizeProblem(r.data);
    if (size) throw new InputError(oneLine(`${where}: ${describeSizeProblem(size, rename(size.field))}`));
    return r.data as TrainSettingsInput;
  }
  const issue = r.error.issues[0];
  if (issue.code === 'unrecognized_keys') {
    const keys = (issue as { keys?: string[] }).keys ?? [];
    const prefix = issue.path.length > 0 ? `${issue.path.join('.')}.` : '';
    throw new InputError(oneLine(`${where}: unknown key ${keys.map((k) => `'${prefix}${k}'`).join(', ')}`));
  }
  const field = issue.path.join('.');
  const msg = issue.message.startsWith(field) ? issue.message : `${field}: ${issue.message}`;
  const shown = rename(field);
  throw new InputError(oneLine(`${where}: ${shown}${msg.slice(field.length)}`));
}

/** Merges layers (later wins; `model` merged key by key) over the defaults. */
export function resolveTrainSettings(
  layers: TrainSettingsInput[],
  presetOf: (name: PresetName) => TrainSettingsInput,
): TrainSettings {
  const presetName = [...layers].reverse().find((l) => l.preset !== undefined)?.preset ?? DEFAULT_PRESET;
  const all = [presetOf(presetName), ...layers];
  const merged: Record<string, unknown> = { ...DEFAULTS };
  let model: ModelSettings = {};
  for (const layer of all) {
    for (const [k, v] of Object.entries(layer)) {
      if (v === undefined) continue;
      if (k === 'model') model = { ...model, ...(v as ModelSettings) };
      else if (k !== 'preset') merged[k] = v;
    }
  }
  merged.preset = presetName;
  merged.model = model;
  const s = merged as unknown as TrainSettings;
  if (!s.train) throw new InputError('--train CORPUS is required (or "train" in the config file)');
  if (!s.out) throw new InputError('--out DIR is required (or "out" in the config file)');
  if (s.tokenizer && (s.srcTokenizer || s.tgtTokenizer))
    throw new InputError('give either --tokenizer (joint) or --src-tokenizer/--tgt-tokenizer, not both');
  if ((s.srcTokenizer === null) !== (s.tgtTokenizer === null))
    throw new InputError('--src-tokenizer and --tgt-tokenizer go together');
  // fail now, before the run directory is created
  if (s.timeBudget !== null) parseDuration(s.timeBudget, '--time-budget');
  return s;
}

/** Reads a JSON config file; InputError naming the file on any problem. */
export function readConfigFile(path: string, text: string): TrainSettingsInput {
  const json = parseJson(path, text);
  if (!json || typeof json !== 'object' || Array.isArray(json))
    throw new InputError(`${path}: expected a JSON object of training settings`);
  const doc = { ...(json as Record<string, unknown>) };
  delete doc.$schema;
  delete doc.comment;
  return parseTrainSettings(doc, path);
}
