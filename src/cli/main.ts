/**
 * The commander program. Every file in ./commands/ exports `register(program)` and adds one
 * command; they are discovered at start-up (sorted by name), so a new command needs no edit here.
 * Commands must import heavy modules (Ink, the model) lazily, inside their action.
 */
import { Command, CommanderError } from 'commander';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Seq2SeqError } from '../errors.js';
import { applyColourPolicy } from '../ui/shared/colour.js';
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
  const files = (existsSync(dir) ? readdirSync(dir) : [])
    .filter((f) => f.endsWith('.js') && !f.startsWith('_'))
    .sort();
  for (const file of files) {
    const mod = (await import(pathToFileURL(join(dir, file)).href)) as Partial<CommandModule>;
    if (typeof mod.register === 'function') mod.register(program);
  }
  // Every subcommand inherits exitOverride so that usage errors come back to main().
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

/** Runs the CLI; returns the exit code (0 ok, 1 runtime failure, 2 bad usage or bad input). */
export async function main(argv: string[]): Promise<number> {
  // A closed pipe (`seq2seq … | head -1`) ends the output quietly: nothing more can be written.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw err;
    });
  }
  applyColourPolicy();
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
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    return reportError(err);
  }
}

export function reportError(err: unknown): number {
  if (err instanceof CommanderError) {
    // commander already printed its message (help, version or usage error).
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
    return err.exitCode === 0 ? 0 : 2;
  }
  if (err instanceof Seq2SeqError) {
    process.stderr.write(`seq2seq: ${err.message}\n`);
    return err.exitCode;
  }
  const e = err as NodeJS.ErrnoException;
  if (e && e.code === 'EPIPE') return 0;
  if (e && typeof e.code === 'string' && e.syscall) {
    process.stderr.write(`seq2seq: ${e.message}\n`);
    return 1;
  }
  process.stderr.write(`seq2seq: internal error: ${e && e.message ? e.message : String(err)}\n`);
  if (process.env.SEQ2SEQ_DEBUG) process.stderr.write(`${(e && e.stack) || ''}\n`);
  return 1;
}
