/**
 * The `:` commands of the interactive translator, parsed into actions. Parsing is pure; the app
 * carries the actions out. A bad command becomes an `error` action with a one-line message.
 */
import type { HeatScale, HeatStyle } from './attention-grid.js';

export type Command =
  | { kind: 'help' }
  | { kind: 'quit' }
  | { kind: 'beam'; beam: number }
  | { kind: 'nbest'; k: number | null }
  | { kind: 'lengthPenalty'; alpha: number }
  | { kind: 'attention'; style: HeatStyle | null; scale: HeatScale | null }
  | { kind: 'tokens' }
  | { kind: 'save'; file: string }
  | { kind: 'error'; message: string };

/** The help text: one entry per key or command (shown by :help and written to docs). */
export const HELP_LINES: ReadonlyArray<readonly [string, string]> = [
  ['Enter', 'translate the line (a paste: each line)'],
  ['↑ / ↓', 'previous / next input (history)'],
  ['Tab, Ctrl-N, :nbest', 'n-best list of the last translation (toggle)'],
  [':nbest K', 'K hypotheses per sentence (beam raised to K)'],
  ['Shift-↑/↓', 'scroll an n-best list longer than the screen'],
  ['Ctrl-A, :attn', 'attention heatmap of the last translation (toggle)'],
  [':attn color|shade|digits', 'draw the heatmap in colours, shades or digits'],
  [':attn abs|row', 'scale: absolute weight, or relative to row max'],
  ['PgUp/PgDn, Shift-←/→', 'scroll the heatmap (PgUp/PgDn: else the n-best list)'],
  ['Ctrl-T, :tokens', 'subword pieces, <unk> highlighted (toggle)'],
  [':beam N, :greedy', 'beam search of width N; greedy = beam 1'],
  [':lp A', 'length penalty α (0 = none)'],
  [':save FILE', 'write the pairs so far as TSV (source, translation)'],
  ['Esc', 'hide all panels'],
  [':help, :h', 'this help (toggle)'],
  [':quit, :q, Ctrl-C, Ctrl-D', 'quit'],
];

/** The one-line reminder under the input line. */
export const HELP_HINT =
  'Enter translate · ↑↓ history · Tab n-best · ^A attention · ^T tokens · ' + ':beam N · :save FILE · :help · :quit';

function parsePositiveInt(word: string | undefined, what: string, max: number): number | string {
  if (word === undefined) return `:${what} needs a number (e.g. :${what} 5)`;
  if (!/^\d+$/.test(word)) return `:${what} ${word}: not a whole number`;
  const n = Number(word);
  if (n < 1 || n > max) return `:${what} ${word}: must be between 1 and ${max}`;
  return n;
}

export const MAX_BEAM = 64;

/** Parses a line that starts with ':' (the caller checks that). */
export function parseCommand(line: string): Command {
  const words = line
    .trim()
    .slice(1)
    .trim()
    .split(/\s+/)
    .filter((w) => w !== '');
  const name = (words[0] ?? '').toLowerCase();
  const args = words.slice(1);
  switch (name) {
    case 'help':
    case 'h':
    case '?':
      return { kind: 'help' };
    case 'quit':
    case 'q':
    case 'exit':
      return { kind: 'quit' };
    case 'greedy':
      return { kind: 'beam', beam: 1 };
    case 'beam': {
      const n = parsePositiveInt(args[0], 'beam', MAX_BEAM);
      return typeof n === 'string' ? { kind: 'error', message: n } : { kind: 'beam', beam: n };
    }
    case 'nbest':
    case 'n-best': {
      if (args.length === 0) return { kind: 'nbest', k: null };
      const n = parsePositiveInt(args[0], 'nbest', MAX_BEAM);
      return typeof n === 'string' ? { kind: 'error', message: n } : { kind: 'nbest', k: n };
    }
    case 'lp': {
      const a = Number(args[0]);
      if (args[0] === undefined || !Number.isFinite(a) || a < 0 || a > 10) {
        return { kind: 'error', message: `:lp needs a length penalty between 0 and 10 (e.g. :lp 0.6)` };
      }
      return { kind: 'lengthPenalty', alpha: a };
    }
    case 'attn':
    case 'attention': {
      let style: HeatStyle | null = null;
      let scale: HeatScale | null = null;
      for (const a of args.map((x) => x.toLowerCase())) {
        if (a === 'color' || a === 'colour') style = 'color';
        else if (a === 'shade' || a === 'shades') style = 'shade';
        else if (a === 'digits' || a === 'digit') style = 'digits';
        else if (a === 'abs' || a === 'absolute') scale = 'absolute';
        else if (a === 'row' || a === 'rel' || a === 'relative') scale = 'row';
        else return { kind: 'error', message: `:attn ${a}: expected color, shade, digits, abs or row` };
      }
      return { kind: 'attention', style, scale };
    }
    case 'tokens':
    case 'tok':
      return { kind: 'tokens' };
    case 'save': {
      const file = line.trim().slice(1).trim().slice(name.length).trim();
      if (file === '') return { kind: 'error', message: ':save needs a file name (e.g. :save pairs.tsv)' };
      return { kind: 'save', file };
    }
    case '':
      return { kind: 'error', message: 'empty command (type :help for the list)' };
    default:
      return { kind: 'error', message: `unknown command :${name} (type :help for the list)` };
  }
}
