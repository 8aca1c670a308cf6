/**
 * A one-line description of the loaded model for the app's header: run directory, cell, layers,
 * hidden size, attention and vocabulary sizes, taken from the run's config.json and the model
 * object where present. Every field is optional: a missing or unreadable config only shortens the
 * line (the CLI has already validated the run when it loaded the model).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { displayWidth } from '../shared/text-width.js';
import type { TranslatorLike } from './types.js';

export interface ModelInfo {
  runDir: string;
  cell?: string;
  /** Encoder layers (config.model.encoderLayers). */
  layers?: number;
  decoderLayers?: number;
  hidden?: number;
  bidirectional?: boolean;
  attention?: string;
  srcVocab?: number;
  tgtVocab?: number;
}

type Json = Record<string, unknown>;

function obj(x: unknown): Json | undefined {
  return x !== null && typeof x === 'object' && !Array.isArray(x) ? (x as Json) : undefined;
}

/** The first key of `keys` present in one of the objects, as the wanted type. */
function pick<T>(objs: (Json | undefined)[], keys: string[], type: 'string' | 'number' | 'boolean'): T | undefined {
  for (const o of objs) {
    if (!o) continue;
    for (const k of keys) if (typeof o[k] === type) return o[k] as T;
  }
  return undefined;
}

export function describeModel(runDir: string, translator?: TranslatorLike): ModelInfo {
  const info: ModelInfo = { runDir };
  let config: Json | undefined;
  try {
    config = obj(JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8')));
  } catch {
    config = undefined;
  }
  const model = obj(config?.model);
  const encoder = obj(model?.encoder) ?? obj(config?.encoder);
  const decoder = obj(model?.decoder) ?? obj(config?.decoder);
  const all = [model, config, encoder, decoder];
  info.cell = pick<string>(all, ['cell', 'cellType', 'rnnType', 'rnn_type'], 'string');
  info.layers = pick<number>(all, ['encoderLayers', 'layers', 'numLayers', 'num_layers'], 'number');
  info.decoderLayers = pick<number>(all, ['decoderLayers'], 'number');
  info.hidden = pick<number>(all, ['hidden', 'hiddenSize', 'hidden_size'], 'number');
  info.bidirectional = pick<boolean>([encoder, model, config], ['bidirectional'], 'boolean');
  const attn = model?.attention ?? config?.attention ?? decoder?.attention;
  if (typeof attn === 'string') info.attention = attn;
  else if (attn === null || attn === false) info.attention = 'none';
  else if (obj(attn)) info.attention = pick<string>([obj(attn)], ['type', 'kind', 'name'], 'string') ?? 'yes';
  info.srcVocab =
    translator?.model?.srcVocabSize ?? pick<number>(all, ['srcVocabSize', 'srcVocab', 'src_vocab_size'], 'number');
  info.tgtVocab =
    translator?.model?.tgtVocabSize ?? pick<number>(all, ['tgtVocabSize', 'tgtVocab', 'tgt_vocab_size'], 'number');
  if (info.attention === undefined && typeof translator?.model?.hasAttention === 'boolean') {
    info.attention = translator.model.hasAttention ? 'yes' : 'none';
  }
  return info;
}

/**
 * e.g. "model runs/en-de · bi-gru 512, 1+1 layers · attention bahdanau · vocab 8000 → 8000" (bi-: bidirectional
 * encoder; encoder+decoder layers).
 */
export function formatModelInfo(info: ModelInfo): string {
  return modelInfoParts(info).join(' · ');
}

/** The same description broken into lines of at most `width` columns (as displayed), at the " · " separators. */
export function formatModelInfoLines(info: ModelInfo, width: number): string[] {
  const lines: string[] = [];
  let cur = '';
  for (const part of modelInfoParts(info)) {
    if (cur === '') cur = part;
    else if (displayWidth(cur) + 3 + displayWidth(part) <= width) cur += ` · ${part}`;
    else {
      lines.push(cur);
      cur = `  ${part}`;
    }
  }
  if (cur !== '') lines.push(cur);
  return lines;
}

function modelInfoParts(info: ModelInfo): string[] {
  const parts = [`model ${info.runDir}`];
  if (info.cell) {
    const shape = [
      `${info.bidirectional ? 'bi-' : ''}${info.cell}${info.hidden !== undefined ? ` ${info.hidden}` : ''}`,
    ];
    if (info.layers !== undefined)
      shape.push(
        info.decoderLayers !== undefined
          ? `${info.layers}+${info.decoderLayers} layers`
          : `${info.layers} ${info.layers === 1 ? 'layer' : 'layers'}`,
      );
    parts.push(shape.join(', '));
  }
  if (info.attention) parts.push(`attention ${info.attention}`);
  if (info.srcVocab !== undefined || info.tgtVocab !== undefined)
    parts.push(`vocab ${info.srcVocab ?? '?'} → ${info.tgtVocab ?? '?'}`);
  return parts;
}
