/**
 * `seq2seq translate -i IN -o OUT --shard I/N|auto[/N]`: one job of a job array (src/decode/shard.ts,
 * docs/scale-out.md). Called by ./translate.ts; a complete shard is skipped before any model is loaded.
 * Messages go to stderr; a kill leaves OUT.partial, which the same command continues.
 */
import { InputError } from '../../errors.js';
import type { DecodingChoices } from '../../decode/run-loader.js';
import type { OutputFormat } from '../../decode/stream-translate.js';
import type { TranslateOptions } from '../../decode/translator.js';

export interface ShardCommand {
  models: string[];
  input?: string;
  output?: string;
  options: Omit<TranslateOptions, 'maxSourceLength'>;
  decoding: DecodingChoices;
  batchSize: number;
  format: OutputFormat;
  splitSentences: boolean;
}

export async function translateShardCommand(spec: string, c: ShardCommand): Promise<void> {
  if (c.input === undefined || c.output === undefined)
    throw new InputError(
      '--shard needs the input and the output as files: -i IN -o OUT (OUT may contain {i}, the shard index)',
    );
  const { checkFile } = await import('../../data/line-reader.js');
  const { checkOutputPath } = await import('../../util/output.js');
  const { parseShardSpec, planShard, shardOutputPath, translateShard } = await import('../../decode/shard.js');
  checkFile(c.input, 'input file');
  const shard = parseShardSpec(spec);
  const output = shardOutputPath(c.output, shard);
  checkOutputPath(output);
  // A shard's output is written as OUT.partial and renamed: only a regular file (or nothing) may be there.
  const { lstatSync } = await import('node:fs');
  const existing = lstatSync(output, { throwIfNoEntry: false });
  if (existing && !existing.isFile())
    throw new InputError(`${output}: not a regular file; a shard's output must be a file of its own (nothing written)`);
  const plan = planShard(c.input, c.output, shard);
  const lines = `lines ${plan.start + 1}–${plan.end} of ${plan.inputLines}`;
  const what = `shard ${shard.index}/${shard.count} (${shard.source}): ${lines}`;
  const note = (m: string) => process.stderr.write(`seq2seq: ${m}\n`);
  if (plan.complete) {
    note(`${what}: ${plan.output} is complete; skipped`);
    return;
  }
  const { resolve } = await import('node:path');
  const { loadDecodingModels } = await import('../../decode/run-loader.js');
  const { Translator } = await import('../../decode/translator.js');
  const run = await loadDecodingModels(c.models, c.decoding);
  const translator = new Translator(run.model, run.srcTokenizer, run.tgtTokenizer, {
    ...c.options,
    maxSourceLength: run.maxSourceLength,
  });
  // the fast modes change the outputs: a partial output made without them (or with others) is not continued
  const fast = { precision: c.decoding.precision ?? 'fp32', shortlist: c.decoding.shortlist === true };
  const exact = fast.precision === 'fp32' && !fast.shortlist;
  const identity = { models: c.models.map((m) => resolve(m)), ...c.options, ...(exact ? {} : fast) };
  const r = await translateShard(translator, plan, {
    batchSize: c.batchSize,
    format: c.format,
    splitSentences: c.splitSentences,
    identity,
    onNote: note,
    onWarning: (m) => note(`warning: ${m}`),
  });
  note(
    `${what} → ${plan.output}` +
      (r.resumed > 0 ? ` (${r.resumed} lines kept from the partial output, ${r.translated} translated now)` : ''),
  );
}
