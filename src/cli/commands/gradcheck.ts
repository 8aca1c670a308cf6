/**
 * `seq2seq gradcheck [--cell rnn|gru|lstm] [--attention none|bahdanau|luong-dot|luong-general] [--seed N]`:
 * the hand-written BPTT gradients of every parameter tensor of small random models (every cell ×
 * attention × bidirectional × 1–2 layers, plus input-feeding/label-smoothing, no-pre-output and
 * tied-embedding variants) against central finite differences in float64. Prints one table per
 * model (parameter, entries checked, max relative error) and exits 1 if any exceeds the tolerance.
 */
import type { Command } from 'commander';
import { InputError } from '../../errors.js';
import { integerFlag } from '../option-values.js';

export function register(program: Command): void {
  program
    .command('gradcheck')
    .description('check the BPTT gradients of every layer and model configuration against finite differences')
    .option('--cell <cell>', 'only this cell: rnn, gru or lstm')
    .option('--attention <kind>', 'only this attention: none, bahdanau, luong-dot or luong-general')
    .option('--seed <n>', 'random seed for weights, batch and sampled entries', '1')
    .option('--samples <n>', 'random entries checked per tensor (plus its largest gradient)', '6')
    .addHelpText(
      'after',
      `
Examples:
  seq2seq gradcheck
  seq2seq gradcheck --cell gru --attention bahdanau --seed 7`,
    )
    .action(async (opts: { cell?: string; attention?: string; seed: string; samples: string }) => {
      const { CELLS, ATTENTIONS, GRADCHECK_TOLERANCE, gradcheckCases, gradcheckModel } = await import(
        '../../model/gradcheck.js'
      );
      if (opts.cell !== undefined && !(CELLS as string[]).includes(opts.cell))
        throw new InputError(`--cell must be one of ${CELLS.join(', ')}, got '${opts.cell}'`);
      if (opts.attention !== undefined && !(ATTENTIONS as string[]).includes(opts.attention)) {
        throw new InputError(`--attention must be one of ${ATTENTIONS.join(', ')}, got '${opts.attention}'`);
      }
      const seed = integerFlag('--seed', opts.seed, 0);
      const samples = integerFlag('--samples', opts.samples, 0);
      const cases = gradcheckCases({ cell: opts.cell as never, attention: opts.attention as never });
      let failed = 0;
      let worst = 0;
      const out = process.stdout;
      for (const c of cases) {
        const r = gradcheckModel(c, seed, samples);
        if (!r.ok) failed++;
        if (!(r.maxError <= worst)) worst = r.maxError;
        out.write(`${r.ok ? 'ok  ' : 'FAIL'}  ${c.name}  (max relative error ${r.maxError.toExponential(2)})\n`);
        const width = Math.max(...r.params.map((p) => p.param.length));
        for (const p of r.params) {
          const mark = p.maxError <= GRADCHECK_TOLERANCE ? '' : '   <-- exceeds tolerance';
          out.write(
            `      ${p.param.padEnd(width)}  ${String(p.checked).padStart(3)} entries  ` +
              `${p.maxError.toExponential(2)}${mark}\n`,
          );
        }
      }
      out.write(
        `\n${cases.length - failed}/${cases.length} configurations pass (tolerance ` +
          `${GRADCHECK_TOLERANCE.toExponential(0)}, worst ${worst.toExponential(2)})\n`,
      );
      if (failed > 0) process.exitCode = 1;
    });
}
