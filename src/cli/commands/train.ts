/**
 * `seq2seq train`: trains a model from flags and/or a JSON config file (--config), or continues a
 * run (--resume RUN). With stdout on a terminal the Ink dashboard shows progress; otherwise (or with
 * --log-format plain|json) log lines go to stderr. The result (run directory, best score) goes to
 * stdout. Ctrl-C / SIGTERM / SIGHUP (a closed terminal) stop after the current step, write the `last` checkpoint
 * and exit 128 + the signal's number (130 / 143 / 129).
 * The settings' flags are declared with their config-file keys in src/train/options.ts; only the
 * command's own options (--config, --resume, --log-format) are declared here.
 */
import { constants } from 'node:os';
import type { Command } from 'commander';
import { InputError } from '../../errors.js';
import { addTrainSettingOptions, flagName, flagsToSettings } from '../train-options.js';

/** The signals that stop training after the current step with a `last` checkpoint (SIGHUP: the terminal closed). */
const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

interface TrainFlags {
  [key: string]: unknown;
  config?: string;
  resume?: string;
  logFormat?: string;
}

export { flagsToSettings } from '../train-options.js';

export function register(program: Command): void {
  const cmd = program
    .command('train')
    .description('train a translation model (live dashboard on a terminal, log lines otherwise)')
    .option('--config <file>', 'JSON file of settings (same names as the flags, camelCase; flags win)')
    .option('--resume <run>', 'continue a run from its last checkpoint, exactly');
  addTrainSettingOptions(cmd) // every setting (src/train/options.ts)
    .option('--log-format <fmt>', 'plain | json: log lines on stderr instead of the dashboard')
    .addHelpText(
      'after',
      `
Examples:
  seq2seq train --train corpora/demo/train --valid corpora/demo/valid --src en --tgt de --out runs/demo --preset tiny
  seq2seq train --config train.json --max-steps 2000
  seq2seq train --resume runs/demo --max-steps 4000
See docs/training.md for every setting, the presets and the run directory.`,
    )
    .action(async (flags: TrainFlags) => {
      const { readFileSync } = await import('node:fs');
      const cfg = await import('../../train/config.js');
      const { PRESETS } = await import('../../train/presets.js');
      const run = await import('../../train/run-training.js');
      const logFormat = flags.logFormat;
      if (logFormat !== undefined && logFormat !== 'plain' && logFormat !== 'json')
        throw new InputError(`--log-format must be plain or json, got '${logFormat}'`);
      const flagLayer = cfg.parseTrainSettings(flagsToSettings(flags), 'options', flagName);
      const useDashboard = logFormat === undefined && process.stdout.isTTY === true;
      const { createLogger } = await import('../../ui/train/plain-log.js');
      const logger = createLogger(logFormat === 'json' ? 'json' : 'plain', (line) => process.stderr.write(line + '\n'));
      const note = useDashboard ? (m: string) => process.stderr.write(`${m}\n`) : (m: string) => logger.note(m);

      let prepared: Awaited<ReturnType<typeof run.prepareResume>>;
      if (flags.resume !== undefined) {
        if (flags.config !== undefined)
          throw new InputError("--resume continues with the run's saved settings: --config cannot be given");
        prepared = await run.prepareResume(flags.resume, flagLayer, note);
      } else {
        const layers = [] as ReturnType<typeof cfg.parseTrainSettings>[];
        if (flags.config !== undefined) {
          let text: string;
          try {
            text = readFileSync(flags.config, 'utf8');
          } catch (err) {
            const code = (err as NodeJS.ErrnoException).code;
            const problem =
              code === 'ENOENT'
                ? 'no such file'
                : code === 'EISDIR'
                  ? 'is a directory, expected a file'
                  : code === 'EACCES'
                    ? 'permission denied'
                    : (err as Error).message;
            throw new InputError(`${flags.config}: ${problem}`);
          }
          layers.push(cfg.readConfigFile(flags.config, text));
        }
        layers.push(flagLayer);
        const settings = cfg.resolveTrainSettings(layers, (name) => PRESETS[name]);
        prepared = await run.prepareTraining(settings, note);
      }
      const { trainer } = prepared;
      let signalled: NodeJS.Signals | null = null;
      const onSignal = (sig: NodeJS.Signals): void => {
        if (signalled) {
          process.stderr.write('seq2seq: second signal: exiting without a checkpoint\n');
          process.exit(128 + constants.signals[sig]);
        }
        signalled = sig;
        trainer.requestStop('interrupted');
      };
      for (const sig of STOP_SIGNALS) process.on(sig, onSignal);
      let summary: Awaited<ReturnType<typeof prepared.trainer.run>>;
      try {
        if (useDashboard) {
          (await import('../../ui/shared/live-terminal.js')).allowLiveRendering();
          const { runDashboard } = await import('../../ui/train/mount.js');
          summary = await runDashboard(prepared, () => onSignal('SIGINT'));
        } else {
          trainer.events.onAny((e) => logger.event(e));
          summary = await trainer.run();
        }
      } finally {
        for (const sig of STOP_SIGNALS) process.off(sig, onSignal);
      }
      const best = summary.best
        ? `; best ${summary.best.metric} ${summary.best.value.toFixed(2)} at step ${summary.best.step}`
        : '';
      // On a terminal the dashboard's last frame already says how training ended (and how to continue).
      if (!useDashboard) {
        if (logFormat === 'json') {
          const { step, epoch, reason, best: top } = summary;
          process.stdout.write(JSON.stringify({ run: prepared.runDir, step, epoch, reason, best: top }) + '\n');
        } else {
          process.stdout.write(`${prepared.runDir}: stopped (${summary.reason}) at step ${summary.step}${best}\n`);
        }
        if (summary.reason === 'interrupted') {
          const resume = `continue with: seq2seq train --resume ${prepared.runDir}`;
          process.stderr.write(`seq2seq: interrupted; checkpoint written to ${prepared.runDir}/last (${resume})\n`);
        }
      }
      if (summary.reason === 'interrupted') process.exitCode = 128 + constants.signals[signalled ?? 'SIGINT'];
    });
}
