/**
 * The README's commands stay true: every `seq2seq …` line of its ```sh blocks (the first real translator, the
 * tour, serving, past one machine) is parsed by the real commander program with every action replaced by a
 * recorder, so that an unknown subcommand, an unknown or renamed flag, a missing option value, a missing
 * mandatory option or a surplus argument fails here without doing the work; and every flag the README uses
 * appears in the `--help` of the real CLI (`node bin/seq2seq.js <cmd> --help`, one process per subcommand).
 * Nothing is written: the parse runs no action, the --help processes run in a temporary directory.
 */
import type { Command } from 'commander';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO, runCli } from '../helpers/run-cli.js';

/** The ```sh blocks of a Markdown text, as logical lines (a trailing backslash joins the next line). */
function shellLines(markdown: string): string[] {
  const lines: string[] = [];
  for (const block of markdown.matchAll(/^```sh\n([\s\S]*?)^```$/gm)) {
    let pending = '';
    for (const raw of block[1].split('\n')) {
      if (raw.endsWith('\\')) {
        pending += `${raw.slice(0, -1)} `;
        continue;
      }
      lines.push(pending + raw);
      pending = '';
    }
  }
  return lines;
}

/**
 * Shell words of one line, enough for the README: quotes ('…' and "…"), a comment from an unquoted `#` at a
 * word's start, and the operators | || & && ; < > as words of their own (unquoted).
 */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === "'" || c === '"') {
      const end = line.indexOf(c, i + 1);
      if (end < 0) throw new Error(`unterminated quote in: ${line}`);
      word = (word ?? '') + line.slice(i + 1, end);
      i = end;
    } else if (/\s/.test(c)) {
      if (word !== null) words.push(word);
      word = null;
    } else if (c === '#' && word === null) {
      break;
    } else if ('|&;<>'.includes(c)) {
      if (word !== null) words.push(word);
      word = null;
      const two = line.slice(i, i + 2);
      if (two === '||' || two === '&&') i++;
      words.push(two === '||' || two === '&&' ? two : c);
    } else {
      word = (word ?? '') + c;
    }
  }
  if (word !== null) words.push(word);
  return words;
}

/** The argument lists of the `seq2seq` commands in these lines (pipelines and lists split, redirections dropped). */
function seq2seqCommands(lines: string[]): string[][] {
  const commands: string[][] = [];
  for (const line of lines) {
    let current: string[] = [];
    const words = [...shellWords(line), ';'];
    for (let i = 0; i < words.length; i++) {
      const w = words[i];
      if (w === '<' || w === '>') {
        i++; // the file name that follows
      } else if (['|', '||', '&', '&&', ';'].includes(w)) {
        if (current[0] === 'seq2seq') commands.push(current.slice(1));
        current = [];
      } else {
        current.push(w);
      }
    }
  }
  return commands;
}

/** The flags of an argument list: `--name` (up to an `=`) and short `-x`; values and positionals left out. */
function flagsOf(args: string[]): string[] {
  return args.filter((a) => /^--?[A-Za-z]/.test(a)).map((a) => a.split('=')[0]);
}

const README = readFileSync(join(REPO, 'README.md'), 'utf8');
const MAIN = join(REPO, 'dist', 'cli', 'main.js');
const built = existsSync(MAIN);

interface Parsed {
  path: string[];
  error?: string;
}

/** The program of dist/, every command's action a recorder, errors thrown back instead of exiting. */
async function dryProgram(sink: { path: string[] | null; err: string }): Promise<Command> {
  const { buildProgram } = (await import(pathToFileURL(MAIN).href)) as { buildProgram(): Promise<Command> };
  const program = await buildProgram();
  const visit = (cmd: Command, path: string[]): void => {
    cmd.exitOverride();
    cmd.configureOutput({ writeOut: () => {}, writeErr: (s) => void (sink.err += s) });
    if (cmd.commands.length === 0) {
      cmd.action(() => {
        sink.path = path;
      });
    }
    for (const sub of cmd.commands) visit(sub, [...path, sub.name()]);
  };
  visit(program, []);
  return program;
}

/** Parses one README command line as the CLI would, without running it. */
async function parseDry(args: string[]): Promise<Parsed> {
  const sink: { path: string[] | null; err: string } = { path: null, err: '' };
  const program = await dryProgram(sink);
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (e) {
    return { path: sink.path ?? [], error: (sink.err || String(e)).trim() };
  }
  if (sink.path === null) return { path: [], error: 'no command ran (a group without its subcommand?)' };
  return { path: sink.path };
}

const commands = seq2seqCommands(shellLines(README));

describe('README: every seq2seq command line parses as written', () => {
  it('finds the commands of the set-up, the first translator and the tour', () => {
    expect(commands.length).toBeGreaterThanOrEqual(30);
    const top = new Set(commands.map((c) => c[0]));
    for (const cmd of [
      'corpus',
      'bpe',
      'train',
      'translate',
      'eval',
      'score',
      'average',
      'inspect',
      'doctor',
      'serve',
      'shortlist',
      'gradcheck',
    ]) {
      expect(top, `the README shows no 'seq2seq ${cmd}'`).toContain(cmd);
    }
  });

  it('the extraction reads quotes, pipes, redirections, comments and continued lines', () => {
    const md = [
      '```sh',
      "echo x | seq2seq a -o 'p/{i}' --b 1 < in > out   # c --d",
      'seq2seq e \\',
      '  --f && seq2seq g &',
      '```',
      '',
    ].join('\n');
    expect(seq2seqCommands(shellLines(md))).toEqual([['a', '-o', 'p/{i}', '--b', '1'], ['e', '--f'], ['g']]);
  });

  it.skipIf(!built)('a renamed flag, an unknown subcommand or a missing value is caught', async () => {
    expect((await parseDry(['train', '--max-step', '5'])).error).toMatch(/unknown option '--max-step'/);
    expect((await parseDry(['corpus', 'fetch', 'multi30k'])).error).toMatch(/unknown command 'fetch'/);
    expect((await parseDry(['translate', '--model'])).error).toMatch(/argument missing/);
    expect((await parseDry(['inspect', 'a', 'b'])).error).toMatch(/too many arguments/);
    expect(await parseDry(['inspect', 'runs/x'])).toEqual({ path: ['inspect'] });
  });

  it.skipIf(!built)('each command of the README parses, without doing the work', async () => {
    const failures: string[] = [];
    for (const args of commands) {
      const r = await parseDry(args);
      if (r.error) failures.push(`seq2seq ${args.join(' ')}\n    → ${r.error.split('\n')[0]}`);
    }
    expect(failures, failures.join('\n')).toEqual([]);
  });

  const cwd = mkdtempSync(join(tmpdir(), 'seq2seq-readme-'));
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));

  it.skipIf(!built)("every flag it uses is in that subcommand's --help", async () => {
    const byCommand = new Map<string, { path: string[]; flags: Set<string> }>();
    for (const args of commands) {
      const { path, error } = await parseDry(args);
      if (error) continue; // reported by the test above
      const key = path.join(' ');
      const entry = byCommand.get(key) ?? { path, flags: new Set<string>() };
      for (const f of flagsOf(args.slice(path.length))) entry.flags.add(f);
      byCommand.set(key, entry);
    }
    expect(byCommand.size).toBeGreaterThanOrEqual(15);
    const missing: string[] = [];
    await Promise.all(
      [...byCommand.values()].map(async ({ path, flags }) => {
        const r = await runCli([...path, '--help'], { cwd });
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toContain(`Usage: seq2seq ${path.join(' ')} `);
        const start = r.stdout.indexOf('\nOptions:');
        expect(start).toBeGreaterThan(0);
        const end = r.stdout.indexOf('\n\n', start + 1);
        const options = r.stdout.slice(start, end < 0 ? undefined : end);
        for (const f of flags) {
          if (!new RegExp(`(^|[\\s,])${f}([\\s,]|$)`, 'm').test(options)) missing.push(`${path.join(' ')} ${f}`);
        }
      }),
    );
    expect(missing).toEqual([]);
  });
});
