/**
 * The commander program. Every file in ./commands/ exports `register(program)` and adds one
 * command; they are discovered at start-up (sorted by name), so a new command needs no edit here.
 * Commands must import heavy modules (Ink, the model) lazily, inside their action.
 *
 * What every command gets from here (docs/reliability.md): errors as one line `seq2seq: …` with exit
 * code 2 (bad usage or input) or 1 (runtime failure), never a stack trace; standard output's write
 * errors caught (a closed pipe ends quietly with exit 0, no space or an I/O error is one line, exit
 * 1: src/util/output.ts); and on every catchable terminating signal, and at exit, the cleanups of
 * src/util/cleanup.ts (temporary outputs removed, a run's lock released), then exit 128 + signal.
 */
import { Command, CommanderError } from 'commander';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Seq2SeqError } from '../errors.js';
import { SIZE_LIMITS } from '../model/size-limits.js';
import { applyColourPolicy } from '../ui/shared/colour.js';
import { runCleanups } from '../util/cleanup.js';
import { describeSystemError, isSystemError } from '../util/fs-errors.js';
import { OutputClosed, settleStandardOutput, watchStandardOutput } from '../util/output.js';
import { printBackendWarningOnce } from './backend-warning.js';

const here = dirname(fileURLToPath(import.meta.url));

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(join(here, '..', '..', 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

export interface CommandModule {
  register(program: Command): void;
}

export async function buildProgram(): Promise<Command> {
  const program = new Command();
  program
    .name('seq2seq')
    .description('Train and run encoder-decoder RNN translators (RNN/GRU/LSTM, attention) from the terminal.')
    .version(packageVersion(), '-V, --version', 'print the version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  const dir = join(here, 'commands');
  const files = (existsSync(dir) ? readdirSync(dir) : []).filter((f) => f.endsWith('.js') && !f.startsWith('_')).sort();
  for (const file of files) {
    const mod = (await import(pathToFileURL(join(dir, file)).href)) as Partial<CommandModule>;
    if (typeof mod.register === 'function') mod.register(program);
  }
  // Every subcommand inherits exitOverride so that usage errors come back to main().
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

/**
 * Signals whose default action ends the process and that a process can catch. SIGKILL and SIGSTOP
 * cannot be caught; SIGBUS, SIGFPE, SIGILL and SIGSEGV are faults after which JavaScript cannot run
 * safely; Node ignores SIGPIPE and SIGXFSZ and keeps SIGUSR1 for its debugger. What these leave
 * behind (temporaries of a dead process) is removed by the next writer (removeStaleTemps).
 */
const TERMINATING_SIGNALS: readonly NodeJS.Signals[] = [
  'SIGHUP',
  'SIGINT',
  'SIGQUIT',
  'SIGTERM',
  'SIGUSR2',
  'SIGALRM',
  'SIGVTALRM',
  'SIGPROF',
  'SIGXCPU',
  'SIGIO',
  'SIGPWR',
  'SIGSTKFLT',
  'SIGSYS',
  'SIGTRAP',
  'SIGABRT',
];

let terminationInstalled = false;

/** At exit and on a terminating signal: the pending cleanups; after a signal, one line and exit 128 + n. */
function installTermination(): void {
  if (terminationInstalled) return;
  terminationInstalled = true;
  process.on('exit', () => void runCleanups());
  for (const signal of TERMINATING_SIGNALS) {
    const onSignal = (): void => {
      // A command that handles this signal itself (train: finish the step, write last/) decides.
      if (process.listenerCount(signal) > 1) return;
      const notes = runCleanups();
      const lead = process.stderr.isTTY ? '\n' : ''; // end a progress line first
      process.stderr.write(`${lead}seq2seq: interrupted (${signal})${notes.map((n) => `; ${n}`).join('')}\n`);
      process.exit(128 + constants.signals[signal]);
    };
    process.on(signal, onSignal);
  }
}

/** SEQ2SEQ_THREADS beyond its bound is a usage error (a non-number is a warning: backend-warning.ts). */
function threadsProblem(): string | null {
  const raw = process.env.SEQ2SEQ_THREADS;
  if (raw === undefined || !/^\s*\d+\s*$/.test(raw) || Number(raw) <= SIZE_LIMITS.threads) return null;
  return `SEQ2SEQ_THREADS must be at most ${SIZE_LIMITS.threads}, got '${raw}'`;
}

/** Runs the CLI; returns the exit code (0 ok, 1 runtime failure, 2 bad usage or bad input). */
export async function main(argv: string[]): Promise<number> {
  watchStandardOutput();
  // Nothing can be reported once standard error is gone: its write errors are ignored.
  process.stderr.on('error', () => undefined);
  installTermination();
  applyColourPolicy();
  const threads = threadsProblem();
  if (threads !== null) {
    process.stderr.write(`seq2seq: ${threads}\n`);
    return 2;
  }
  // A backend forced or tuned through the environment that cannot be honoured: say so once.
  if (process.env.SEQ2SEQ_BACKEND || process.env.SEQ2SEQ_THREADS) {
    await printBackendWarningOnce();
  }
  let program: Command;
  try {
    program = await buildProgram();
  } catch (err) {
    process.stderr.write(`seq2seq: internal error while loading commands: ${(err as Error).message}\n`);
    return 1;
  }
  let code: number;
  try {
    await program.parseAsync(argv);
    code = typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    code = reportError(err);
  }
  // Standard output's own write errors (help, version, results) are known only once it is flushed.
  const failure = await settleStandardOutput();
  if (failure instanceof Seq2SeqError && !(failure instanceof OutputClosed) && code === 0) {
    process.stderr.write(`seq2seq: ${failure.message}\n`);
    code = failure.exitCode;
  }
  return code;
}

export function reportError(err: unknown): number {
  if (err instanceof CommanderError) {
    // commander already printed its message (help, version or usage error).
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help')
      return 0;
    return err.exitCode === 0 ? 0 : 2;
  }
  // The reader of the output went away (`| head -1`): a quiet end.
  if (err instanceof OutputClosed) return typeof process.exitCode === 'number' ? process.exitCode : 0;
  if (err instanceof Seq2SeqError) {
    process.stderr.write(`seq2seq: ${err.message}\n`);
    return err.exitCode;
  }
  const e = err as NodeJS.ErrnoException;
  if (e && e.code === 'EPIPE') return 0;
  if (isSystemError(err)) {
    process.stderr.write(`seq2seq: ${describeSystemError(err)}\n`);
    return 1;
  }
  if (err instanceof RangeError && /allocation failed|Invalid typed array length|Array buffer/i.test(err.message)) {
    const why = `out of memory (${err.message}): the model or the batch is too large for this machine`;
    process.stderr.write(`seq2seq: ${why}\n`);
    return 1;
  }
  process.stderr.write(`seq2seq: internal error: ${e?.message ? e.message : String(err)}\n`);
  if (process.env.SEQ2SEQ_DEBUG) process.stderr.write(`${e?.stack || ''}\n`);
  return 1;
}
