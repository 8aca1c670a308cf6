// The one argument parser of the bench scripts: node:util parseArgs (strict) over a table of flags.
//   flags: { name: 'string' | 'number' | 'boolean' | { type, default, help } }
// Numbers are checked (a non-number is a usage error); `--` ends the flags and what follows comes back as
// `extra` (bench:quality passes it to `seq2seq train`); positionals are allowed only when asked for.
// Every problem is a UsageError with one line; `cliFlags` prints it as `script: message` and exits 2.
import { basename } from 'node:path';
import { parseArgs } from 'node:util';

export class UsageError extends Error {}

const spec = (f) => (typeof f === 'string' ? { type: f } : f);

/** Parses argv against `flags`; returns { o (name → value), positionals, extra }. Throws UsageError. */
export function parseFlags(argv, flags, { positionals: allowPositionals = false } = {}) {
  const options = {};
  for (const [name, f] of Object.entries(flags))
    options[name] = { type: spec(f).type === 'boolean' ? 'boolean' : 'string' };
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: true, tokens: true });
  } catch (err) {
    throw new UsageError(parseError(err));
  }
  const end = parsed.tokens.find((t) => t.kind === 'option-terminator')?.index ?? argv.length;
  const positionals = parsed.tokens.filter((t) => t.kind === 'positional' && t.index < end).map((t) => t.value);
  if (positionals.length > 0 && !allowPositionals)
    throw new UsageError(`unknown argument '${positionals[0]}' (see --help)`);
  const o = {};
  for (const [name, f] of Object.entries(flags)) {
    const { type, default: dflt } = spec(f);
    const raw = parsed.values[name];
    if (raw === undefined) {
      if (dflt !== undefined) o[name] = dflt;
      continue;
    }
    if (type === 'number') {
      const v = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(v)) throw new UsageError(`--${name} must be a number, got '${raw}'`);
      o[name] = v;
    } else o[name] = raw;
  }
  return { o, positionals, extra: argv.slice(end + 1) };
}

function parseError(err) {
  const m = /'(--?[^' ]+)/.exec(err.message);
  const flag = m ? m[1] : '?';
  if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown argument '${flag}' (see --help)`;
  if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    if (/does not take an argument/.test(err.message)) return `${flag} takes no value`;
    return `${flag} needs a value (one starting with '-' goes as ${flag}=-…)`;
  }
  return err.message.split('\n')[0];
}

/** The usage text of a script: its first line, then one line per flag with its default and help. */
export function usage(synopsis, flags) {
  const lines = [`usage: ${synopsis}`];
  for (const [name, f] of Object.entries(flags)) {
    const { type, default: dflt, help } = spec(f);
    const left = `  --${name}${type === 'boolean' ? '' : ` <${type === 'number' ? 'n' : 'value'}>`}`;
    const right = [help, dflt !== undefined && type !== 'boolean' ? `(default ${dflt})` : ''].filter(Boolean).join(' ');
    lines.push(right ? `${left.padEnd(30)} ${right}` : left);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * For the scripts that run at top level: parses process.argv, prints the usage for --help (exit 0) and
 * one line `script: problem` for a usage error (exit 2).
 */
export function cliFlags(synopsis, flags, opts = {}) {
  const all = { ...flags, help: { type: 'boolean', help: 'this text' } };
  const script = basename(process.argv[1] ?? 'bench');
  try {
    const r = parseFlags(process.argv.slice(2), all, opts);
    if (r.o.help) {
      process.stdout.write(usage(synopsis, all));
      process.exit(0);
    }
    return r;
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`${script}: ${err.message}\n`);
    process.exit(2);
  }
}
