/**
 * `seq2seq doctor`: which kernel backend is in use and why (native addon loaded, forced by
 * SEQ2SEQ_BACKEND, or the fallback reason), the CPU model and the features the kernels use
 * (from /proc/cpuinfo), the thread count and the Node version; `--format json` for scripts.
 */
import type { Command } from 'commander';
import { InputError } from '../../errors.js';
import { printBackendWarningOnce } from '../backend-warning.js';

interface CpuInfo {
  model: string;
  cpus: number;
  features: { avx2: boolean; avx512f: boolean; fma: boolean };
}

async function cpuInfo(): Promise<CpuInfo> {
  const os = await import('node:os');
  const { readFileSync } = await import('node:fs');
  const cpus = os.cpus();
  let flags = '';
  let model = cpus[0]?.model?.trim() ?? 'unknown';
  try {
    const text = readFileSync('/proc/cpuinfo', 'utf8');
    flags = /^flags\s*:\s*(.*)$/m.exec(text)?.[1] ?? '';
    model = /^model name\s*:\s*(.*)$/m.exec(text)?.[1]?.trim() ?? model;
  } catch {
    // not Linux: no flags
  }
  const has = (f: string) => flags.split(/\s+/).includes(f);
  return { model, cpus: cpus.length, features: { avx2: has('avx2'), avx512f: has('avx512f'), fma: has('fma') } };
}

export function register(program: Command): void {
  program
    .command('doctor')
    .description('report the kernel backend (native or TypeScript) and why, CPU features, threads, Node version')
    .option('--format <fmt>', 'output: text or json', 'text')
    .addHelpText(
      'after',
      `
Environment:
  SEQ2SEQ_BACKEND=js|native   force a backend (default: native when the addon is built)
  SEQ2SEQ_THREADS=n           kernel threads (default: all CPUs)

Examples:
  seq2seq doctor
  SEQ2SEQ_BACKEND=js seq2seq doctor --format json`,
    )
    .action(async (opts: { format: string }) => {
      if (opts.format !== 'text' && opts.format !== 'json')
        throw new InputError(`--format must be text or json, got '${opts.format}'`);
      const { backendSelection, getBackend } = await import('../../tensor/index.js');
      const sel = backendSelection();
      await printBackendWarningOnce();
      const cpu = await cpuInfo();
      const report = {
        backend: sel.name,
        reason: sel.reason,
        addon: { path: sel.addonPath, loaded: sel.addonBuild !== null, build: sel.addonBuild },
        threads: getBackend().threads(),
        cpu,
        node: process.version,
        platform: `${process.platform}-${process.arch}`,
      };
      if (opts.format === 'json') {
        process.stdout.write(JSON.stringify(report, null, 2) + '\n');
        return;
      }
      const yes = (b: boolean) => (b ? 'yes' : 'no');
      const lines = [
        `backend   ${report.backend} (${report.reason})`,
        `addon     ${report.addon.loaded ? `${report.addon.path} [${report.addon.build}]` : 'not loaded'}`,
        `threads   ${report.threads}`,
        `cpu       ${cpu.model}, ${cpu.cpus} logical CPUs`,
        `features  avx2 ${yes(cpu.features.avx2)}, avx512f ${yes(cpu.features.avx512f)}, fma ${yes(cpu.features.fma)}`,
        `node      ${report.node} (${report.platform})`,
      ];
      process.stdout.write(lines.join('\n') + '\n');
    });
}
