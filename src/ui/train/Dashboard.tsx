/**
 * The training dashboard: progress of the epoch and of the whole budget with ETA, live figures
 * (loss, perplexity, learning rate, gradient norm, tokens/s), a loss sparkline, the validation
 * table (best marked), the latest sample translations and where the checkpoints went. Its last
 * frame is the report of how training ended (on Ctrl-C with the command that continues it), so the
 * CLI prints nothing more to the terminal.
 */
import { Box, Text } from 'ink';
import type React from 'react';
import { formatDuration } from '../../train/duration.js';
import { ProgressBar } from '../shared/ProgressBar.js';
import { Sparkline } from '../shared/Sparkline.js';
import { fmtPpl } from './plain-log.js';
import type { TrainView } from './view-state.js';

export interface DashboardProps {
  view: TrainView;
  width?: number;
  /** Terminal rows: on short terminals fewer evaluations and samples are shown, so the frame fits. */
  height?: number;
}

const pad = (s: string, n: number): string => (s.length >= n ? s : ' '.repeat(n - s.length) + s);

function budgetFraction(v: TrainView): { fraction: number; label: string } | null {
  const s = v.start;
  const l = v.last;
  if (!s || !l) return null;
  if (s.maxSteps !== null) return { fraction: l.step / s.maxSteps, label: `step ${l.step}/${s.maxSteps}` };
  if (s.maxEpochs !== null) {
    const done = l.epoch + l.epochStep / Math.max(1, l.batchesPerEpoch);
    return { fraction: done / s.maxEpochs, label: `epoch ${l.epoch + 1}/${s.maxEpochs}` };
  }
  if (s.timeBudgetMs !== null)
    return {
      fraction: (l.elapsed * 1000) / s.timeBudgetMs,
      label: `${formatDuration(l.elapsed)}/${formatDuration(s.timeBudgetMs / 1000)}`,
    };
  return null;
}

export function Dashboard({ view, width = 80, height = 50 }: DashboardProps): React.JSX.Element {
  const { start, last, evals, checkpoints, warnings, done } = view;
  const barWidth = Math.max(10, Math.min(40, width - 40));
  const budget = budgetFraction(view);
  // About 14 fixed rows; each evaluation takes one row, each sample three.
  const spare = Math.max(0, height - 16 - warnings.length);
  const evalRows = Math.min(6, Math.max(1, Math.floor(spare / 3)));
  const samples = view.samples.slice(0, Math.max(0, Math.floor((spare - evalRows - 2) / 3)));
  const shownEvals = evals.slice(-evalRows);
  const clip = (s: string): string => (s.length > width - 8 ? s.slice(0, width - 9) + '…' : s);
  return (
    <Box flexDirection="column">
      <Text>
        <Text bold color="cyan">
          seq2seq train
        </Text>
        {start ? (
          <Text>
            {` ${start.runDir ?? ''}  ${start.parameters.toLocaleString('en-US')} parameters`}
            {start.resumed ? '  (resumed)' : ''}
          </Text>
        ) : (
          <Text> starting…</Text>
        )}
      </Text>
      {last ? (
        <Box flexDirection="column">
          <Text>
            <Text>{'Epoch  '}</Text>
            <ProgressBar
              fraction={last.epochStep / Math.max(1, last.batchesPerEpoch)}
              width={barWidth}
              label={`epoch ${last.epoch + 1}  batch ${last.epochStep}/${last.batchesPerEpoch}`}
            />
          </Text>
          {budget ? (
            <Text>
              <Text>{'Total  '}</Text>
              <ProgressBar
                fraction={budget.fraction}
                width={barWidth}
                color="blue"
                label={`${budget.label}  ETA ${last.eta === null ? '--' : formatDuration(last.eta)}`}
              />
            </Text>
          ) : null}
          <Text>
            step <Text bold>{last.step}</Text>
            {'  loss '}
            <Text bold>{last.loss.toFixed(3)}</Text>
            {`  ppl ${fmtPpl(last.ppl)}  lr ${last.lr.toExponential(2)}  |g| ${last.gradNorm.toFixed(2)}  `}
            {`${Math.round(last.tokensPerSec).toLocaleString('en-US')} tok/s  elapsed ${formatDuration(last.elapsed)}`}
          </Text>
        </Box>
      ) : (
        <Text dimColor>waiting for the first step…</Text>
      )}
      {view.losses.length > 0 ? (
        <Text>
          <Text>{'loss   '}</Text>
          <Sparkline values={view.losses} width={Math.max(10, width - 10)} />
        </Text>
      ) : null}
      <Box flexDirection="column" marginTop={1}>
        <Text bold>Validation</Text>
        {shownEvals.length === 0 ? (
          <Text dimColor>no evaluation yet</Text>
        ) : (
          <>
            <Text
              dimColor
            >{`${pad('step', 7)} ${pad('loss', 7)} ${pad('ppl', 9)} ${pad('BLEU', 6)} ${pad('chrF', 6)}`}</Text>
            {shownEvals.map((e) => (
              <Text key={e.step} color={e.best ? 'green' : undefined}>
                {`${pad(String(e.step), 7)} ${pad(e.loss.toFixed(3), 7)} ${pad(fmtPpl(e.ppl), 9)} ` +
                  `${pad(e.bleu.toFixed(2), 6)} ${pad(e.chrf.toFixed(2), 6)}${e.best ? '  ★ best' : ''}`}
              </Text>
            ))}
          </>
        )}
      </Box>
      {samples.length > 0 ? (
        <Box flexDirection="column" marginTop={1}>
          <Text bold>Samples (step {samples[0].step})</Text>
          {samples.map((s, i) => (
            <Box key={i} flexDirection="column">
              <Text>
                <Text dimColor>src </Text>
                {clip(s.source)}
              </Text>
              <Text>
                <Text dimColor>ref </Text>
                {clip(s.reference)}
              </Text>
              <Text>
                <Text dimColor>hyp </Text>
                <Text color="yellow">{clip(s.hypothesis)}</Text>
              </Text>
            </Box>
          ))}
        </Box>
      ) : null}
      <Box flexDirection="column" marginTop={1}>
        <Text>
          <Text bold>Checkpoints </Text>
          {checkpoints.best ? <Text>{`best → ${checkpoints.best.path} (step ${checkpoints.best.step})  `}</Text> : null}
          {checkpoints.last ? (
            <Text>
              last → {checkpoints.last.path} (step {checkpoints.last.step})
            </Text>
          ) : null}
          {!checkpoints.best && !checkpoints.last ? <Text dimColor>none yet</Text> : null}
        </Text>
        {warnings.map((w, i) => (
          <Text key={i} color="red">
            ⚠ {w}
          </Text>
        ))}
        {done ? (
          <Text color={done.reason === 'interrupted' ? 'yellow' : 'green'}>
            done ({done.reason}) at step {done.step}
            {done.best ? `; best ${done.best.metric} ${done.best.value.toFixed(2)} at step ${done.best.step}` : ''}
            {done.reason === 'interrupted' && start?.runDir
              ? `; continue with: seq2seq train --resume ${start.runDir}`
              : ''}
          </Text>
        ) : view.stopping ? (
          <Text color="yellow">stopping: finishing the step and writing a checkpoint…</Text>
        ) : (
          <Text dimColor>Ctrl-C: stop and write a checkpoint</Text>
        )}
      </Box>
    </Box>
  );
}
