// Training throughput of the PyTorch twin (python/seq2seq_torch) beside ours, in one run on this machine: the
// reference model of shared/reference/performance.md (bi-GRU 512 + Bahdanau, embeddings 256, vocabularies
// 8,000), batches of 64 random Multi30k pairs with word vocabularies, exactly the batches `bench:train` draws
// (the same generator and seed), full training steps (forward, BPTT or autograd, clipping 1.0, Adam 1e-3).
//   npm run bench:twin -- [--steps 20] [--warmup 2] [--threads 2] [--corpus ../shared/corpora/multi30k] [--peer]
// ours: bench/train.mjs's own child process (native backend); twin: /usr/bin/python3 with Debian's PyTorch at
// its best setting here (OMP_WAIT_POLICY=PASSIVE, OPENBLAS_NUM_THREADS = threads, OPENBLAS_CORETYPE unset);
// --peer adds ../shared/peers/pytorch-bench (the reference PyTorch script) when it exists.
// The machine may be shared: compare the figures of one run only.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cliFlags } from './lib/args.mjs';

const repo = fileURLToPath(new URL('..', import.meta.url));
const { o } = cliFlags('npm run bench:twin -- [flags]', {
  steps: { type: 'number', default: 20, help: 'timed steps' },
  warmup: { type: 'number', default: 2, help: 'untimed steps first' },
  threads: { type: 'number', default: 2, help: 'threads of each side' },
  corpus: { type: 'string', default: join(repo, '..', 'shared', 'corpora', 'multi30k'), help: 'Multi30k directory' },
  peer: { type: 'boolean', help: 'also run ../shared/peers/pytorch-bench (the reference PyTorch script)' },
});
const { steps, warmup, threads } = o;
const corpusDir = o.corpus;
const B = 64;

const { writeIdShard, ID_FORMAT } = await import('../dist/data/id-shards.js');
const { REFERENCE_MODEL_CONFIG } = await import('../dist/model/config.js');
const { Rng } = await import('../dist/util/rng.js');

/** bench/train.mjs's batches: Rng(7), word vocabularies of the 7,996 most frequent lowercased words. */
function pairs() {
  const rng = new Rng(7);
  const total = (warmup + steps) * B;
  const tokenize = (l) => l.toLowerCase().match(/[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu) ?? [];
  if (!existsSync(join(corpusDir, 'train.en'))) {
    return Array.from({ length: total }, () => {
      const seq = () => Int32Array.from({ length: 6 + rng.int(17) }, () => 4 + rng.int(7996));
      return { src: seq(), tgt: seq() };
    });
  }
  const en = readFileSync(join(corpusDir, 'train.en'), 'utf8').split('\n').filter(Boolean).map(tokenize);
  const de = readFileSync(join(corpusDir, 'train.de'), 'utf8').split('\n').filter(Boolean).map(tokenize);
  const vocab = (lines) => {
    const freq = new Map();
    for (const l of lines) for (const w of l) freq.set(w, (freq.get(w) ?? 0) + 1);
    const words = [...freq].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 7996);
    return new Map(words.map(([w], i) => [w, i + 4]));
  };
  const ve = vocab(en);
  const vd = vocab(de);
  return Array.from({ length: total }, () => {
    const i = rng.int(en.length);
    return { src: Int32Array.from(en[i], (w) => ve.get(w) ?? 1), tgt: Int32Array.from(de[i], (w) => vd.get(w) ?? 1) };
  });
}

const work = mkdtempSync(join(tmpdir(), 'bench-twin-'));
try {
  writeIdShard(join(work, 'train-00000.safetensors'), pairs(), {});
  const index = {
    format: ID_FORMAT,
    version: 1,
    tokenizers: {},
    vocab: { src: 8000, tgt: 8000 },
    splits: { train: { shards: [{ file: 'train-00000.safetensors', pairs: (warmup + steps) * B }] } },
  };
  writeFileSync(join(work, 'index.json'), JSON.stringify(index));
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  console.log(
    `bench:twin — reference model, batch 64, ${steps} timed steps after ${warmup}, ${threads} thread(s); ${cpu}; ` +
      'machine may be shared\n',
  );
  console.log(`${'trainer'.padEnd(44)}${'tgt tok/s'.padStart(11)}${'ms/step'.padStart(10)}${'loss'.padStart(14)}`);
  const row = (label, m) =>
    console.log(
      label.padEnd(44) +
        m.tokPerSec.toFixed(0).padStart(11) +
        m.msPerStep.toFixed(0).padStart(10) +
        `${m.firstLoss.toFixed(2)}→${m.lastLoss.toFixed(2)}`.padStart(14),
    );
  const last = (out) => JSON.parse(out.trim().split('\n').pop());

  const ours = spawnSync(
    process.execPath,
    [
      join(repo, 'bench', 'train.mjs'),
      '--child',
      'gru-bahdanau',
      '--threads-one',
      String(threads),
      '--steps',
      String(steps),
      '--warmup',
      String(warmup),
      '--corpus',
      corpusDir,
    ],
    {
      encoding: 'utf8',
      env: { ...process.env, SEQ2SEQ_BACKEND: 'native', SEQ2SEQ_THREADS: String(threads) },
    },
  );
  const oursM = ours.status === 0 ? last(ours.stdout) : null;
  if (oursM) row('seq2seq (native backend)', oursM);
  else console.log(`seq2seq: failed (${ours.stderr.trim().split('\n').pop()})`);

  const env = {
    ...process.env,
    PYTHONPATH: join(repo, 'python'),
    OMP_WAIT_POLICY: 'PASSIVE',
    OPENBLAS_NUM_THREADS: String(threads),
    OMP_NUM_THREADS: String(threads),
  };
  delete env.OPENBLAS_CORETYPE;
  const twin = spawnSync(
    '/usr/bin/python3',
    [
      '-m',
      'seq2seq_torch.bench',
      '--ids',
      work,
      '--config',
      JSON.stringify({ ...REFERENCE_MODEL_CONFIG }),
      '--steps',
      String(steps),
      '--warmup',
      String(warmup),
      '--threads',
      String(threads),
    ],
    { encoding: 'utf8', env },
  );
  const twinM = twin.status === 0 ? last(twin.stdout) : null;
  if (twinM) row('PyTorch twin (python/seq2seq_torch)', twinM);
  else console.log(`PyTorch twin: not measured (${(twin.stderr || String(twin.error)).trim().split('\n').pop()})`);

  const peer = join(repo, '..', 'shared', 'peers', 'pytorch-bench');
  if (o.peer && existsSync(peer)) {
    const r = spawnSync(peer, ['train', '--threads', String(threads)], { encoding: 'utf8' });
    const m = /tok_per_s=([\d.]+)/.exec(r.stdout ?? '');
    console.log(
      m
        ? `${'peers/pytorch-bench (reference script)'.padEnd(44)}${Number(m[1]).toFixed(0).padStart(11)}`
        : 'peers/pytorch-bench: not measured',
    );
  }
  if (oursM && twinM) console.log(`\nours / twin: ${(oursM.tokPerSec / twinM.tokPerSec).toFixed(2)}×`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
