/**
 * Runs a prepared training with the Ink dashboard: starts from the run's earlier history (a resumed
 * run), subscribes to the trainer's events, re-renders at most ~10 times a second, turns Ctrl-C
 * (raw-mode input) into a stop request, and unmounts when training ends.
 */
import { render, useInput, useStdin, useStdout } from 'ink';
import React, { useEffect, useState } from 'react';
import type { TrainEmitter, TrainEvent } from '../../train/events.js';
import type { PreparedRun } from '../../train/run-training.js';
import type { TrainSummary } from '../../train/trainer.js';
import { Dashboard } from './Dashboard.js';
import { type TrainView, reduceView, resumedView } from './view-state.js';

export interface TrainAppProps {
  events: TrainEmitter;
  /** The earlier sessions' events of a resumed run (history.jsonl). */
  history?: readonly TrainEvent[];
  onInterrupt: () => void;
  /** Minimum milliseconds between renders. */
  throttleMs?: number;
}

export function TrainApp({ events, history = [], onInterrupt, throttleMs = 100 }: TrainAppProps): React.JSX.Element {
  const [earlier] = useState(() => resumedView(history));
  const [view, setView] = useState<TrainView>(earlier);
  const { isRawModeSupported } = useStdin();
  const { stdout } = useStdout();
  useEffect(() => {
    let current = earlier;
    let timer: NodeJS.Timeout | null = null;
    let lastRender = 0;
    const flush = (): void => {
      timer = null;
      lastRender = Date.now();
      setView(current);
    };
    const off = events.onAny((e) => {
      current = reduceView(current, e);
      const urgent = e.type !== 'step';
      if (urgent || Date.now() - lastRender >= throttleMs) {
        if (timer) clearTimeout(timer);
        flush();
      } else if (!timer) timer = setTimeout(flush, throttleMs);
    });
    return () => {
      off();
      if (timer) clearTimeout(timer);
    };
  }, [events, earlier, throttleMs]);
  useInput(
    (input, key) => {
      if (key.ctrl && input === 'c') {
        setView((v) => ({ ...v, stopping: true }));
        onInterrupt();
      }
    },
    { isActive: isRawModeSupported === true },
  );
  return <Dashboard view={view} width={stdout.columns || 80} height={stdout.rows || 50} />;
}

export async function runDashboard(run: PreparedRun, onInterrupt: () => void): Promise<TrainSummary> {
  const app = render(<TrainApp events={run.trainer.events} history={run.earlier} onInterrupt={onInterrupt} />, {
    exitOnCtrlC: false,
    patchConsole: false,
  });
  try {
    return await run.trainer.run();
  } finally {
    // Let the last events render before leaving.
    await new Promise((r) => setTimeout(r, 50));
    app.unmount();
    await app.waitUntilExit().catch(() => {});
  }
}
