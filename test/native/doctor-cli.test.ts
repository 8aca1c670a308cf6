/** `seq2seq doctor --format json` reports the backend chosen through SEQ2SEQ_BACKEND. */
import { describe, expect, it } from 'vitest';
import { loadNative } from '../../src/tensor/native.js';
import { runCli } from '../helpers/run-cli.js';

const built = loadNative().addon !== null;

describe('seq2seq doctor', () => {
  it('SEQ2SEQ_BACKEND=js reports the TypeScript backend and the CPU', async () => {
    const r = await runCli(['doctor', '--format', 'json'], { env: { SEQ2SEQ_BACKEND: 'js', SEQ2SEQ_THREADS: '1' } });
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.backend).toBe('js');
    expect(report.reason).toBe('SEQ2SEQ_BACKEND=js');
    expect(report.threads).toBe(1);
    expect(report.node).toBe(process.version);
    expect(typeof report.cpu.features.avx2).toBe('boolean');
    expect(r.stderr).toBe('');
  });

  it.skipIf(!built)(
    'SEQ2SEQ_BACKEND=native reports the native backend and the thread count' +
      (built ? '' : ' (skipped: addon not built)'),
    async () => {
      const r = await runCli(['doctor', '--format', 'json'], {
        env: { SEQ2SEQ_BACKEND: 'native', SEQ2SEQ_THREADS: '2' },
      });
      expect(r.code, r.stderr).toBe(0);
      const report = JSON.parse(r.stdout);
      expect(report.backend).toBe('native');
      expect(report.addon.loaded).toBe(true);
      expect(report.threads).toBe(2);
    },
  );

  it.skipIf(built)(
    'SEQ2SEQ_BACKEND=native without the addon falls back with one warning line' +
      (built ? ' (skipped: the addon is built)' : ''),
    async () => {
      const r = await runCli(['doctor', '--format', 'json'], { env: { SEQ2SEQ_BACKEND: 'native' } });
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout).backend).toBe('js');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/native requested/);
    },
  );

  it('a bad SEQ2SEQ_BACKEND value gives exactly one warning line, not one from main and one from doctor', async () => {
    const r = await runCli(['doctor', '--format', 'json'], {
      env: { SEQ2SEQ_BACKEND: 'fastest', SEQ2SEQ_THREADS: '1' },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).backend).toBe(built ? 'native' : 'js');
    expect(r.stderr).toBe('seq2seq: warning: SEQ2SEQ_BACKEND=fastest is not js or native; choosing automatically\n');
  });

  it('rejects a bad --format with exit code 2', async () => {
    const r = await runCli(['doctor', '--format', 'xml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--format must be text or json/);
  });
});
