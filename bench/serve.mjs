// Loopback load test of `seq2seq serve` (npm run bench:serve [-- --beam 1 --requests 256]; greedy by default).
// The model is the reference model of shared/reference/performance.md (bi-GRU 512, Bahdanau, random
// weights) with BPE tokenizers learned on corpora/demo, written to a temporary run directory. The
// sentences are corpora/demo/test.en lines of mixed lengths (short, medium and long interleaved).
// Measured in one run, in this order:
//   1. direct decode: the Translator in this process, one sentence per call (what concurrency 1 adds to);
//   2. offline: `seq2seq translate -i … -o …` on the same sentences (--batch-size 32, its default),
//      its start-up (an empty input) subtracted: sentences/s; its output is the expected text of every reply;
//   3. the server (`seq2seq serve --port 0`) at concurrency 1, 8 and 64: one sentence per request,
//      sentences/s, p50/p99 latency, errors, replies that differ from the offline output.
// Bounded: a fixed number of requests per level and a time cap per phase; the whole run stops by itself
// well within a minute on an idle 2-core machine. Random weights never choose </s> early, so every
// output runs to its length limit (2 × source tokens + 10): work grows with the sentence length.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { bin, dist, root, say } from './lib/runs.mjs';
import { cliFlags } from './lib/args.mjs';

const { o } = cliFlags('npm run bench:serve -- [flags]', {
  beam: { type: 'number', default: 1, help: 'beam size of the server and of the offline run' },
  requests: { type: 'number', default: 256, help: 'requests per concurrency level' },
});
const BEAM = o.beam;
const REQUESTS = o.requests;
const PHASE_CAP_MS = 10_000;

const { learnBpe } = await import(dist('text/tokenizer.js'));
const { Seq2Seq } = await import(dist('model/seq2seq.js'));
const { REFERENCE_MODEL_CONFIG } = await import(dist('model/config.js'));
const { saveTokenizers, writeCheckpoint, writeRunConfig } = await import(dist('model/run-dir.js'));
const { loadDecodingRun } = await import(dist('decode/run-loader.js'));
const { Translator } = await import(dist('decode/translator.js'));
const { Rng } = await import(dist('util/rng.js'));
const { selectBackend } = await import(dist('tensor/index.js'));

const dir = mkdtempSync(join(tmpdir(), 'seq2seq-bench-serve-'));
const cleanup = () => rmSync(dir, { recursive: true, force: true });
process.on('exit', cleanup);

// The run: tokenizers learned on the demo corpus, the reference model with random weights.
const demo = join(root, 'corpora', 'demo');
const readLines = (p) =>
  readFileSync(p, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
const src = await learnBpe(readLines(join(demo, 'train.en')), { vocabSize: 8000 });
const tgt = await learnBpe(readLines(join(demo, 'train.de')), { vocabSize: 8000 });
const model = new Seq2Seq(
  { ...REFERENCE_MODEL_CONFIG, srcVocabSize: src.vocabSize, tgtVocabSize: tgt.vocabSize },
  new Rng(1),
);
const run = join(dir, 'en-de');
(await import('node:fs')).mkdirSync(run);
const tokenizers = saveTokenizers(run, src, tgt, false);
writeRunConfig(run, { model: model.config, training: { src: 'en', tgt: 'de' }, tokenizers });
writeCheckpoint(run, 'best', model, {});

// Mixed lengths: short (≤ 8 words), medium, long (≥ 14 words), interleaved.
const test = readLines(join(demo, 'test.en')).filter((l) => !/[.!?]\s+\S/.test(l.trim()));
const words = (l) => l.split(/\s+/).length;
const buckets = [
  test.filter((l) => words(l) <= 8),
  test.filter((l) => words(l) > 8 && words(l) < 14),
  test.filter((l) => words(l) >= 14),
];
const sentences = Array.from({ length: REQUESTS }, (_, i) => buckets[i % 3][Math.floor(i / 3) % buckets[i % 3].length]);
const meanWords = sentences.reduce((s, l) => s + words(l), 0) / sentences.length;
const sel = selectBackend();
say(`bench:serve — ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores; backend ${sel.name}`);
const vocab = `vocab ${src.vocabSize}/${tgt.vocabSize}`;
say(`model: reference config (random weights), ${vocab}; beam ${BEAM}`);
say(`${sentences.length} sentences, ${meanWords.toFixed(1)} words on average (3 length buckets interleaved)`);

// 1. direct decode, one sentence per call.
const loaded = await loadDecodingRun(run);
const translator = new Translator(loaded.model, loaded.srcTokenizer, loaded.tgtTokenizer, {
  beam: BEAM,
  maxSourceLength: loaded.maxSourceLength,
});
const C1 = Math.min(16, sentences.length);
translator.translate([sentences[0]]);
const direct = [];
for (const s of sentences.slice(0, C1)) {
  const t0 = performance.now();
  translator.translate([s]);
  direct.push(performance.now() - t0);
}

// 2. offline translate, start-up subtracted.
function runCli(cliArgs) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [bin, ...cliArgs], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) =>
      code === 0 ? resolve(performance.now() - t0) : reject(new Error(`seq2seq ${cliArgs[0]} failed: ${err}`)),
    );
  });
}
writeFileSync(join(dir, 'in.txt'), sentences.join('\n') + '\n');
writeFileSync(join(dir, 'empty.txt'), '');
const startup = await runCli([
  'translate',
  '--model',
  run,
  '--beam',
  String(BEAM),
  '-i',
  join(dir, 'empty.txt'),
  '-o',
  join(dir, 'empty.out'),
]);
const offlineMs =
  (await runCli([
    'translate',
    '--model',
    run,
    '--beam',
    String(BEAM),
    '-i',
    join(dir, 'in.txt'),
    '-o',
    join(dir, 'out.txt'),
  ])) - startup;
const expected = readFileSync(join(dir, 'out.txt'), 'utf8').split('\n');
const offlineRate = sentences.length / (offlineMs / 1000);

// 3. the server.
const server = spawn(process.execPath, [bin, 'serve', '--model', run, '--port', '0', '--beam', String(BEAM)], {
  stdio: ['ignore', 'ignore', 'pipe'],
});
let serverLog = '';
const url = await new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error(`the server did not start:\n${serverLog}`)), 30_000);
  server.stderr.on('data', (d) => {
    serverLog += d;
    const m = /listening on (http:\/\/\S+)/.exec(serverLog);
    if (m && serverLog.includes('ready at')) {
      clearTimeout(timer);
      resolve(new URL(m[1]));
    }
  });
  server.on('close', (code) => reject(new Error(`the server exited (${code}):\n${serverLog}`)));
});

function post(agent, body) {
  return new Promise((resolve) => {
    const data = JSON.stringify(body);
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: '/translate',
        method: 'POST',
        agent,
        headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode, text }));
      },
    );
    req.on('error', (err) => resolve({ status: 0, text: err.message }));
    req.end(data);
  });
}

const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

const health = () =>
  new Promise((resolve, reject) => {
    request({ host: url.hostname, port: url.port, path: '/health' }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve(JSON.parse(text)));
    })
      .on('error', reject)
      .end();
  });

async function level(concurrency, count) {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  // warm the connections and the decoder
  await Promise.all(
    Array.from({ length: concurrency }, (_, i) =>
      post(agent, { q: sentences[i % sentences.length], source: 'en', target: 'de' }),
    ),
  );
  const before = await health();
  const latencies = [];
  let next = 0;
  let errors = 0;
  let mismatches = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < count && performance.now() - t0 < PHASE_CAP_MS) {
      const i = next++;
      const s0 = performance.now();
      const r = await post(agent, { q: sentences[i], source: 'en', target: 'de' });
      latencies.push(performance.now() - s0);
      if (r.status !== 200) errors++;
      else if (JSON.parse(r.text).translatedText !== expected[i]) mismatches++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - t0) / 1000;
  agent.destroy();
  const after = await health();
  const batch =
    (after.decodedSentences - before.decodedSentences) / Math.max(1, after.decodedBatches - before.decodedBatches);
  return {
    concurrency,
    batch,
    done: latencies.length,
    rate: latencies.length / seconds,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    errors,
    mismatches,
  };
}

const results = [await level(1, C1), await level(8, Math.min(64, sentences.length)), await level(64, sentences.length)];
server.kill('SIGTERM');
const exit = await new Promise((resolve) => server.on('close', resolve));

const directMedian = quantile(direct, 0.5);
say('');
say(`direct decode, one sentence per call: median ${directMedian.toFixed(1)} ms over ${direct.length} sentences`);
const secs = (ms) => (ms / 1000).toFixed(2);
say(`offline seq2seq translate (--batch-size 32): ${offlineRate.toFixed(1)} sentences/s`);
say(`  (${secs(offlineMs)} s of decoding after ${secs(startup)} s of start-up)`);
say('');
const columns = ['concurrency', 'requests', 'sentences/s', 'vs offline', 'p50 ms', 'p99 ms', 'p99/p50', 'mean batch'];
say(`| ${[...columns, 'errors', 'mismatched'].join(' | ')} |`);
say('|---|---|---|---|---|---|---|---|---|---|');
for (const r of results) {
  const cells = [
    r.concurrency,
    r.done,
    r.rate.toFixed(1),
    `${((100 * r.rate) / offlineRate).toFixed(0)} %`,
    r.p50.toFixed(1),
    r.p99.toFixed(1),
    (r.p99 / r.p50).toFixed(2),
    r.batch.toFixed(1),
    r.errors,
    r.mismatches,
  ];
  say(`| ${cells.join(' | ')} |`);
}
say('');
const c1 = results[0];
const extra = c1.p50 - directMedian;
say(`concurrency 1: p50 ${c1.p50.toFixed(1)} ms, direct ${directMedian.toFixed(1)} ms`);
say(`  ${extra.toFixed(1)} ms more (goal ≤ 2 ms)`);
const c64 = results[2];
const share = ((100 * c64.rate) / offlineRate).toFixed(0);
say(`concurrency 64: ${share} % of offline (goal ≥ 80 %), p99/p50 ${(c64.p99 / c64.p50).toFixed(2)} (goal ≤ 4),`);
say(`  errors ${c64.errors}, mismatched ${c64.mismatches} (goal 0)`);
say(`server exit code after SIGTERM: ${exit}`);
say('Timings on a shared machine are indicative only.');
