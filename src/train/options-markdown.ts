/**
 * The settings table of docs/training.md, rendered from the one declaration of the settings
 * (./options.ts), the presets (./presets.ts) and the model config's defaults (src/model/config.ts).
 * scripts/write-train-options-doc.mjs writes it between the two markers below; the test
 * test/train/options-table.test.ts fails when the page and this rendering differ.
 */
import { parseModelConfig } from '../model/config.js';
import { TRAIN_OPTIONS, flagSpelling, type TrainOption } from './options.js';
import { PRESETS, PRESET_NAMES } from './presets.js';

export const TABLE_START =
  '<!-- settings table: generated from src/train/options.ts (scripts/write-train-options-doc.mjs) -->';
export const TABLE_END = '<!-- end of the settings table -->';

type Value = number | string | boolean | readonly string[] | null | undefined;

/** A value as the docs write it: `adam`, 0.001, 1e-6, true. */
function show(v: Value): string {
  if (typeof v === 'number') return v !== 0 && Math.abs(v) < 1e-3 ? v.toExponential() : String(v);
  if (typeof v === 'string') return `\`${v}\``;
  if (Array.isArray(v)) return v.map((x) => `\`${x}\``).join(' ');
  return String(v);
}

/** The value at a settings path of a layer (`model.dropout` → layer.model.dropout). */
function valueAt(layer: Record<string, unknown>, key: string): Value {
  if (!key.startsWith('model.')) return layer[key] as Value;
  return (layer.model as Record<string, unknown> | undefined)?.[key.slice(6)] as Value;
}

/** The model config's own defaults (what a model key means when no layer sets it). */
const MODEL_DEFAULTS = parseModelConfig({ srcVocabSize: 4, tgtVocabSize: 4 }) as unknown as Record<string, Value>;

const BOUND_TEXT = {
  positive: 'number > 0',
  'non-negative': 'number ≥ 0',
  unit: 'in [0, 1)',
  'open-unit': 'in (0, 1)',
};

function kind(o: TrainOption): string {
  switch (o.type) {
    case 'int':
      return `integer ≥ ${o.min ?? (o.bound === 'positive' ? 1 : 0)}`;
    case 'number':
      return BOUND_TEXT[o.bound];
    case 'enum':
      return o.values.map((v) => `\`${v}\``).join(', ');
    case 'boolean':
      return 'true, false';
    case 'paths':
      return 'one or two paths';
    case 'duration':
      return 'duration or seconds';
    default:
      return o.type === 'path' ? 'path' : 'text';
  }
}

function defaultOf(o: TrainOption): string {
  if (o.required) return '(required)';
  const key = o.key ?? o.sets?.[0];
  if (key === undefined) return '';
  const v = key.startsWith('model.') ? MODEL_DEFAULTS[key.slice(6)] : o.default;
  return v === null || v === undefined ? (o.unset ?? 'none') : show(v);
}

/** "tiny 32 · small 64 · base, multi30k, tatoeba 256": the presets that set the key, grouped by value. */
function presetsOf(o: TrainOption): string {
  if (o.key === null) return '';
  const groups = new Map<string, string[]>();
  for (const name of PRESET_NAMES) {
    const v = valueAt(PRESETS[name] as Record<string, unknown>, o.key);
    if (v === undefined) continue;
    const shown = show(v);
    groups.set(shown, [...(groups.get(shown) ?? []), name]);
  }
  return [...groups].map(([v, names]) => `${names.join(', ')} ${v}`).join(' · ');
}

function flagCell(o: TrainOption): string {
  const spelled = flagSpelling(o);
  if (spelled === null) return '(config file only)';
  if (o.type === 'boolean') return `\`${spelled}\``;
  return `\`${spelled} ${o.arg.toUpperCase()}${o.type === 'paths' ? '…' : ''}\``;
}

function keyCell(o: TrainOption): string {
  if (o.key !== null) return `\`${o.key}\``;
  return `sets ${(o.sets ?? []).map((k) => `\`${k}\``).join(' and ')}`;
}

const cell = (s: string): string => s.replace(/\|/g, '\\|');

/** The Markdown table, one row per option, in the order of the declaration (without the markers). */
export function trainOptionsMarkdown(): string {
  const rows = (TRAIN_OPTIONS as readonly TrainOption[]).map((o) =>
    [flagCell(o), keyCell(o), kind(o), defaultOf(o), presetsOf(o), o.docs ?? o.help].map(cell),
  );
  const head = ['flag', 'config key', 'value', 'default', 'presets', 'meaning'];
  return [head, head.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n') + '\n';
}

/** The page with the table between the markers replaced by `table`; null when a marker is missing. */
export function replaceTable(page: string, table: string): string | null {
  const a = page.indexOf(TABLE_START);
  const b = page.indexOf(TABLE_END);
  if (a < 0 || b < a) return null;
  return `${page.slice(0, a + TABLE_START.length)}\n${table}${page.slice(b)}`;
}
