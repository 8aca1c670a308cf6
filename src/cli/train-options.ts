/**
 * The settings of `seq2seq train` on the command line, derived from their one declaration
 * (src/train/options.ts): the commander options, the flags → settings layer, and the flag that
 * names a settings field in an error message.
 */
import type { Command } from 'commander';
import { InputError } from '../errors.js';
import { TRAIN_OPTIONS, flagSpelling, optionOf, type TrainOption } from '../train/options.js';

const OPTIONS = TRAIN_OPTIONS as readonly TrainOption[];

/** commander's attribute name of a flag: `hidden-size` → `hiddenSize`. */
const attribute = (flag: string): string => flag.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** Adds one commander option per flag of the table (both forms of a `both` boolean), in table order. */
export function addTrainSettingOptions(cmd: Command): Command {
  for (const o of OPTIONS) {
    if (o.flag === null) continue;
    if (o.type !== 'boolean') cmd.option(`--${o.flag} <${o.arg}${o.type === 'paths' ? '...' : ''}>`, o.help);
    else if (o.forms === 'off') cmd.option(`--no-${o.flag}`, o.help);
    else {
      cmd.option(`--${o.flag}`, o.help);
      if (o.forms === 'both') cmd.option(`--no-${o.flag}`, o.offHelp ?? '');
    }
  }
  return cmd;
}

/** The value a flag gave, or undefined when it was not given; numbers converted here, ranges checked by the schema. */
function flagValue(o: TrainOption & { flag: string }, flags: Record<string, unknown>): unknown {
  const v = flags[attribute(o.flag)];
  // commander sets a lone --no-flag's option to true when it is absent
  if (v === undefined || (o.type === 'boolean' && o.forms === 'off' && v === true)) return undefined;
  if (o.type !== 'int' && o.type !== 'number') return v;
  const n = Number(v);
  if (String(v).trim() === '' || !Number.isFinite(n)) {
    throw new InputError(`--${o.flag}: expected a number, got '${String(v)}'`);
  }
  return n;
}

/** The command-line layer of the settings (only what was given), from commander's parsed options. */
export function flagsToSettings(flags: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const model: Record<string, unknown> = {};
  const put = (key: string, v: unknown): void => {
    if (key.startsWith('model.')) model[key.slice(6)] = v;
    else out[key] = v;
  };
  const given = OPTIONS.filter((o): o is TrainOption & { flag: string } => o.flag !== null);
  // flags that set other keys (--layers) come last, so they win
  for (const o of [...given.filter((x) => x.key !== null), ...given.filter((x) => x.key === null)]) {
    const v = flagValue(o, flags);
    if (v === undefined) continue;
    for (const key of o.key !== null ? [o.key] : (o.sets ?? [])) put(key, v);
  }
  if (Object.keys(model).length > 0) out.model = model;
  return out;
}

/** settings field (`model.dropout`) → the flag that sets it (`--dropout`), for error messages. */
export function flagName(field: string): string {
  const o = optionOf(field);
  return (o && flagSpelling(o)) ?? field;
}
