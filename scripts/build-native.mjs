#!/usr/bin/env node
/**
 * `npm install` hook: builds the native kernels (native/*.c → build/Release/seq2seq_native.node)
 * with node-gyp, compiled -O3 -march=native for the installing machine. It NEVER fails the
 * install: without a compiler, headers or node-gyp, or on any build error, it prints one warning
 * line and exits 0, and seq2seq runs on the TypeScript backend.
 *
 * node-gyp is npm's bundled copy (npm_config_node_gyp, set by npm for scripts, or found beside the
 * npm that runs us); Node's headers come from npm_config_nodedir or the headers installed next to
 * the node binary (<prefix>/include/node), so no download is needed when they exist.
 * SEQ2SEQ_SKIP_NATIVE=1 skips the build.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function warn(reason) {
  process.stderr.write(`seq2seq: native kernels not built (${reason}); using the TypeScript backend\n`);
  process.exit(0);
}

function findNodeGyp() {
  const candidates = [];
  if (process.env.npm_config_node_gyp) candidates.push(process.env.npm_config_node_gyp);
  if (process.env.npm_execpath)
    candidates.push(join(dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  const prefix = resolve(dirname(process.execPath), '..');
  candidates.push(join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  candidates.push(join(root, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  return candidates.find((p) => existsSync(p)) ?? null;
}

function findNodeDir() {
  if (process.env.npm_config_nodedir) return process.env.npm_config_nodedir;
  const prefix = resolve(dirname(process.execPath), '..');
  if (
    existsSync(join(prefix, 'include', 'node', 'node_api.h')) &&
    existsSync(join(prefix, 'include', 'node', 'common.gypi'))
  )
    return prefix;
  return null; // node-gyp will try its cache or a download
}

try {
  if (process.env.SEQ2SEQ_SKIP_NATIVE === '1') warn('SEQ2SEQ_SKIP_NATIVE=1');
  const gyp = findNodeGyp();
  if (!gyp) warn('node-gyp not found');
  const args = [gyp, 'rebuild'];
  const nodedir = findNodeDir();
  if (nodedir) args.push(`--nodedir=${nodedir}`);
  const started = Date.now();
  const r = spawnSync(process.execPath, args, {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 300_000,
  });
  if (r.error) warn(`node-gyp could not run: ${r.error.message}`);
  if (r.status !== 0) {
    const lines = `${r.stdout}\n${r.stderr}`.split('\n').map((l) => l.trim());
    const first =
      lines.find((l) => /error|not found|No such file/i.test(l) && !/^gyp info/.test(l)) ?? `exit code ${r.status}`;
    warn(`build failed: ${first.slice(0, 160)}`);
  }
  if (!existsSync(join(root, 'build', 'Release', 'seq2seq_native.node'))) warn('build produced no addon');
  process.stderr.write(
    `seq2seq: native kernels built in ${((Date.now() - started) / 1000).toFixed(1)} s (-O3 -march=native)\n`,
  );
} catch (err) {
  warn(err instanceof Error ? err.message : String(err));
}
