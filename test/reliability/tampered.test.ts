/**
 * Files are data. A run directory is something a user may download or receive: its files are read
 * with size limits and JSON.parse only, file names in its config.json cannot lead out of it, and
 * sizes in its config cannot make the program allocate what the weights do not hold. Each case
 * tampers with one file of a copy of a real tiny run and runs the real CLI (exit code, exact first
 * error line, no stack trace). Also a static check that no source file evaluates code.
 */
import { existsSync, readdirSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, runCli } from '../helpers/run-cli.js';
import { buildFixtures, copyRun, errorLine, stackLines, type Fixtures } from './fixtures.js';

let fx: Fixtures;
beforeAll(async () => {
  fx = await buildFixtures();
}, 60_000);
afterAll(() => {
  if (fx) rmSync(fx.dir, { recursive: true, force: true });
});

function editJson(path: string, edit: (doc: Record<string, any>) => void): void {
  const doc = JSON.parse(readFileSync(path, 'utf8')) as Record<string, any>;
  edit(doc);
  writeFileSync(path, JSON.stringify(doc, null, 2));
}

async function expectError(args: string[], error: string | RegExp, code = 2): Promise<void> {
  const r = await runCli(args, { cwd: fx.dir });
  const where = `${args.join(' ')}\n${r.stderr}`;
  expect(stackLines(r.stderr + r.stdout), where).toEqual([]);
  expect(r.code, where).toBe(code);
  const { line } = errorLine(r.stderr);
  if (typeof error === 'string') expect(line, where).toBe(error);
  else expect(line, where).toMatch(error);
}

describe.concurrent('a tampered run directory', () => {
  it('config.json: a tokenizer path leading out of the run (../) is refused by translate and by --resume', async () => {
    const r = copyRun(fx, 'tp-dotdot');
    editJson(join(r, 'config.json'), (d) => (d.tokenizers = { src: '../tok150.json', tgt: '../tok150.json' }));
    const msg =
      'seq2seq: tp-dotdot/config.json: tokenizers.src: "../tok150.json" must be a file name inside the run directory';
    await expectError(['translate', '--model', 'tp-dotdot', '--beam', '1'], msg);
    await expectError(['train', '--resume', 'tp-dotdot', '--max-steps', '30'], msg);
  });

  it('config.json: an absolute tokenizer path is refused', async () => {
    const r = copyRun(fx, 'tp-abs');
    editJson(
      join(r, 'config.json'),
      (d) => (d.tokenizers = { src: 'tokenizer.json', tgt: join(fx.dir, 'tok150.json') }),
    );
    await expectError(
      ['inspect', 'tp-abs'],
      `seq2seq: tp-abs/config.json: tokenizers.tgt: ${JSON.stringify(join(fx.dir, 'tok150.json'))} must be a file name inside the run directory`,
    );
  });

  it('tokenizer.json replaced by a symbolic link to a file outside the run is refused', async () => {
    const r = copyRun(fx, 'tp-link');
    rmSync(join(r, 'tokenizer.json'));
    symlinkSync(join(fx.dir, 'tok150.json'), join(r, 'tokenizer.json'));
    await expectError(
      ['translate', '--model', 'tp-link', '--beam', '1'],
      `seq2seq: tp-link/config.json: tokenizers.src: "tokenizer.json" leads outside the run directory (symbolic link to ${join(fx.dir, 'tok150.json')})`,
    );
  });

  it('config.json: a hidden size of 10⁹ is an input error at once, before any memory is allocated for it', async () => {
    const r = copyRun(fx, 'tp-huge');
    editJson(join(r, 'best', 'config.json'), (d) => (d.model.hiddenSize = 1_000_000_000));
    const bound = 'seq2seq: tp-huge/best/config.json: model: hiddenSize must be at most 16384 (got 1000000000)';
    await expectError(['translate', '--model', 'tp-huge', '--beam', '1'], bound);
  });

  it('config.json: sizes within the bounds that the weights cannot hold are refused before allocating', async () => {
    const r = copyRun(fx, 'tp-within');
    editJson(join(r, 'best', 'config.json'), (d) => {
      d.model.hiddenSize = 2048; // 626,246,344 parameters: 5 GB with their gradients
      d.model.encoderLayers = 8;
    });
    const held = '^seq2seq: tp-within/best/model\\.safetensors: holds \\d+ numbers, ';
    const claim = 'but the model tp-within/best/config\\.json describes has 626246344 parameters$';
    await expectError(['translate', '--model', 'tp-within', '--beam', '1'], new RegExp(held + claim));
  });

  it('config.json over the 1 MiB limit (padded) is refused without being parsed', async () => {
    const r = copyRun(fx, 'tp-big-config');
    writeFileSync(join(r, 'config.json'), readFileSync(join(r, 'config.json'), 'utf8') + ' '.repeat(1 << 20));
    await expectError(
      ['inspect', 'tp-big-config'],
      /^seq2seq: tp-big-config\/config\.json: \d+ bytes, over the limit of 1048576 bytes for a run config$/,
    );
  });

  it('tokenizer.json over the 64 MiB limit (a sparse file) is refused without being read', async () => {
    const r = copyRun(fx, 'tp-big-tok');
    truncateSync(join(r, 'tokenizer.json'), (64 << 20) + 1);
    await expectError(
      ['translate', '--model', 'tp-big-tok'],
      'seq2seq: tp-big-tok/tokenizer.json: 67108865 bytes, over the limit of 67108864 bytes for a tokenizer file',
    );
  });

  it('config.json: training settings of the wrong type are refused by --resume with the field named', async () => {
    const r = copyRun(fx, 'tp-settings');
    editJson(join(r, 'config.json'), (d) => (d.training.batchTokens = 'lots'));
    await expectError(
      ['train', '--resume', 'tp-settings', '--max-steps', '30'],
      'seq2seq: tp-settings/config.json: training: batchTokens must be a number',
    );
  });

  it('config.json: a relative corpus path is resolved from the run directory, not from the working directory', async () => {
    const r = copyRun(fx, 'tp-relative');
    for (const lang of ['en', 'de']) writeFileSync(join(r, `corpus.${lang}`), readFileSync(join(fx.dir, `t.${lang}`)));
    editJson(join(r, 'config.json'), (d) => {
      d.training.train = ['corpus'];
      d.training.valid = null;
    });
    const res = await runCli(['train', '--resume', 'tp-relative', '--max-steps', '22', '--log-format', 'plain'], {
      cwd: fx.dir,
    });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toContain(`reading ${join(r, 'corpus')}`);
    expect(res.stdout).toMatch(/stopped \(max-steps\) at step 22/);
  });

  it('train-state/state.json: a negative step, a broken generator state and an impossible data position are refused', async () => {
    const cases: [string, (d: Record<string, any>) => void, string][] = [
      ['tp-step', (d) => (d.step = -5), 'step: expected a non-negative integer'],
      ['tp-rngs', (d) => (d.rngs = 'x'), 'rngs: expected arrays of numbers'],
      ['tp-sched', (d) => (d.schedule = [1]), 'schedule: expected an object'],
      ['tp-index', (d) => (d.batcher.index = 1e6), 'batcher state: index 1000000 beyond the epoch'],
    ];
    for (const [name, edit, problem] of cases) {
      const r = copyRun(fx, name);
      editJson(join(r, 'last', 'train-state', 'state.json'), edit);
      await expectError(
        ['train', '--resume', name, '--max-steps', '30'],
        new RegExp(`^seq2seq: ${name}/last/train-state: .*${problem.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
      );
    }
  });

  it('a run whose files all went missing but a stranded .last.old is read (not changed) by translate and repaired by --resume', async () => {
    const r = copyRun(fx, 'tp-stranded');
    const { renameSync } = await import('node:fs');
    renameSync(join(r, 'last'), join(r, '.last.old'));
    const t = await runCli(['translate', '--model', 'tp-stranded/last', '--beam', '1'], {
      cwd: fx.dir,
      input: 'a man\n',
    });
    expect(t.code, t.stderr).toBe(2); // last/ itself is gone: the reader does not move .last.old back
    const ok = await runCli(['inspect', 'tp-stranded'], { cwd: fx.dir });
    expect(ok.code, ok.stderr).toBe(0);
    expect(existsSync(join(r, '.last.old')), 'a reader changed the run').toBe(true);
    const res = await runCli(['train', '--resume', 'tp-stranded', '--max-steps', '22', '--log-format', 'plain'], {
      cwd: fx.dir,
    });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toContain('resuming at step 20');
    expect(existsSync(join(r, '.last.old'))).toBe(false);
    expect(readdirSync(r).filter((n) => n.startsWith('.'))).toEqual([]);
  });
});

describe('model and config loading never evaluates code', () => {
  it('no eval, new Function, vm or non-literal dynamic import in src/ (besides the command loader)', () => {
    const bad: string[] = [];
    const walk = (d: string): void => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const p = join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (/\.tsx?$/.test(e.name)) {
          readFileSync(p, 'utf8')
            .split('\n')
            .forEach((line, i) => {
              const code = line.replace(/\/\/.*$/, '').replace(/'[^']*'|"[^"]*"|`[^`]*`/g, "''");
              if (/\beval\s*\(|new\s+Function\s*\(|node:vm|\bvm\.run/.test(code))
                bad.push(`${p}:${i + 1}: ${line.trim()}`);
              const imp = /\bimport\s*\(\s*([^'"`\s)][^)]*)\)/.exec(line);
              if (imp && !p.endsWith(join('cli', 'main.ts'))) bad.push(`${p}:${i + 1}: dynamic import of ${imp[1]}`);
            });
        }
      }
    };
    walk(join(REPO, 'src'));
    expect(bad).toEqual([]);
  });
});
