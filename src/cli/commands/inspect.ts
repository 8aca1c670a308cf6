/**
 * `seq2seq inspect RUN`: the run's model and training settings, parameter count, vocabulary sizes,
 * its checkpoints and the training history (evaluations from history.jsonl), as text or JSON.
 */
import type { Command } from 'commander';
import { InputError } from '../../errors.js';

export function register(program: Command): void {
  program
    .command('inspect')
    .description('show a run: config, parameter count, vocabulary sizes, checkpoints, training history')
    .argument('<run>', 'run directory written by seq2seq train')
    .option('--format <fmt>', 'text or json', 'text')
    .action(async (dir: string, opts: { format: string }) => {
      if (opts.format !== 'text' && opts.format !== 'json')
        throw new InputError(`--format must be text or json, got '${opts.format}'`);
      const { join } = await import('node:path');
      const { existsSync } = await import('node:fs');
      const { readJsonFile } = await import('../../util/json-file.js');
      const { loadRun, HISTORY_FILE } = await import('../../model/run-dir.js');
      const { readHistory } = await import('../../train/history.js');
      const run = loadRun(dir);
      const parameters = run.model.params.reduce((a, p) => a + p.size, 0);
      const history = readHistory(join(run.dir, HISTORY_FILE));
      const evals = history.filter((e) => e.type === 'eval') as Extract<(typeof history)[number], { type: 'eval' }>[];
      const done = history.filter((e) => e.type === 'done');
      // A checkpoint's config.json, read as every file of a run is (a regular file inside it, bounded).
      const config = (k: string): Record<string, unknown> | null => {
        const p = join(run.dir, k, 'config.json');
        if (!existsSync(p)) return null;
        try {
          return readJsonFile(p, 'checkpoint config', undefined, run.dir) as Record<string, unknown>;
        } catch {
          return null;
        }
      };
      const ckpt = (k: string): { step: number } | null => {
        const doc = config(k);
        return doc ? { step: doc.step as number } : null;
      };
      const joint = run.config.tokenizers.src === run.config.tokenizers.tgt;
      const { listKept } = await import('../../model/run-dir.js');
      const averagedDoc = ((): { steps: number[] } | null => {
        const d = config('averaged') as { averaged?: { steps?: unknown } } | null;
        return Array.isArray(d?.averaged?.steps) ? { steps: d.averaged.steps as number[] } : null;
      })();
      // A standalone directory written by `seq2seq average --out DIR` (outside the run).
      const av = run.config.averaged as { steps?: unknown; run?: unknown } | undefined;
      const standalone = av && Array.isArray(av.steps) ? { steps: av.steps as number[], run: String(av.run) } : null;
      const WEIGHTS = 'model.safetensors';
      const checkpoints = {
        best: ckpt('best'),
        last: ckpt('last'),
        kept: listKept(run.dir).map((k) => k.step),
        averaged: averagedDoc,
      };
      if (opts.format === 'json') {
        process.stdout.write(
          JSON.stringify(
            {
              run: run.dir,
              parameters,
              vocabulary: { src: run.srcTokenizer.vocabSize, tgt: run.tgtTokenizer.vocabSize, joint },
              model: run.config.model,
              training: run.config.training,
              checkpoints,
              evaluations: evals,
              sessions: done,
            },
            null,
            2,
          ) + '\n',
        );
        return;
      }
      const m = run.config.model;
      const t = run.config.training as Record<string, unknown>;
      const lines: string[] = [];
      const row = (k: string, v: string): number => lines.push(`${k.padEnd(12)}${v}`);
      row('run', run.dir);
      row(
        'model',
        `${m.cell.toUpperCase()} ${m.bidirectional ? 'bidirectional ' : ''}encoder ×${m.encoderLayers}, decoder ` +
          `×${m.decoderLayers}, attention ${m.attention}, embeddings ${m.embeddingSize}, hidden ${m.hiddenSize}, ` +
          `dropout ${m.dropout}` +
          (m.memoryDropout > 0 ? `, memory dropout ${m.memoryDropout}` : '') +
          (m.wordDropout > 0 ? `, word dropout ${m.wordDropout}` : '') +
          `, label smoothing ${m.labelSmoothing}`,
      );
      row('parameters', parameters.toLocaleString('en-US'));
      row(
        'vocabulary',
        joint
          ? `${run.srcTokenizer.vocabSize} joint (${run.config.tokenizers.src})`
          : `source ${run.srcTokenizer.vocabSize}, target ${run.tgtTokenizer.vocabSize}`,
      );
      if (t.optimizer !== undefined) {
        row(
          'training',
          `preset ${t.preset}, ${t.optimizer} lr ${t.lr}, ${t.schedule} schedule, clip ${t.clipNorm}, ` +
            `${t.batchTokens} tokens per batch, seed ${t.seed}`,
        );
        row(
          'corpus',
          `${(t.train as string[]).join(' ')}${t.valid ? `; valid ${(t.valid as string[]).join(' ')}` : ''}`,
        );
      }
      row(
        'checkpoints',
        [
          checkpoints.best ? `best: step ${checkpoints.best.step}` : null,
          checkpoints.last ? `last: step ${checkpoints.last.step}` : null,
          checkpoints.kept.length > 0 ? `kept: steps ${checkpoints.kept.join(', ')}` : null,
          checkpoints.averaged ? `averaged: steps ${checkpoints.averaged.steps.join(', ')}` : null,
          standalone ? `${WEIGHTS}: the average of steps ${standalone.steps.join(', ')} of ${standalone.run}` : null,
        ]
          .filter(Boolean)
          .join(', ') || 'none',
      );
      for (const d of done)
        row(
          'session',
          `stopped (${d.reason}) at step ${d.step}, epoch ${d.epoch + 1}, after ${Math.round(d.elapsed)}s`,
        );
      if (evals.length > 0) {
        lines.push('history');
        lines.push(
          `${'step'.padStart(8)} ${'loss'.padStart(8)} ${'ppl'.padStart(9)} ${'BLEU'.padStart(7)} ` +
            `${'chrF'.padStart(7)}`,
        );
        // a run trained by python/seq2seq_torch/train_ddp.py validates without decoding: BLEU and chrF are null
        const score = (x: number | null) => (typeof x === 'number' ? x.toFixed(2) : '–');
        for (const e of evals) {
          const scores = `${score(e.bleu).padStart(7)} ${score(e.chrf).padStart(7)}${e.best ? '  best' : ''}`;
          const losses = `${e.loss.toFixed(3).padStart(8)} ${e.ppl.toFixed(2).padStart(9)}`;
          lines.push(`${String(e.step).padStart(8)} ${losses} ${scores}`);
        }
      } else lines.push('history     no evaluations recorded');
      process.stdout.write(lines.join('\n') + '\n');
    });
}
