/**
 * Runs a prepared training with the Ink dashboard: a view store subscribed to the trainer's events
 * before the first frame (starting from a resumed run's earlier history), re-rendering at most ~10
 * times a second, Ctrl-C (raw-mode input) turned into a stop request, unmounted when training ends.
 */
import { render, useInput, useStdin, useStdout } from 'ink';
import type React from 'react';
import { useSyncExternalStore } from 'react';
import type { PreparedRun } from '../../train/run-training.js';
import type { TrainSummary } from '../../train/trainer.js';
import { Dashboard } from './Dashboard.js';
import { TrainViewStore } from './view-store.js';

export interface TrainAppProps {
  store: TrainViewStore;
  onInterrupt: () => void;
}

export function TrainApp({ store, onInterrupt }: TrainAppProps): React.JSX.Element {
  const view = useSyncExternalStore(store.subscribe, store.getView);
  const { isRawModeSupported } = useStdin();
  const { stdout } = useStdout();
  useInput(
    (input, key) => {
      if (key.ctrl && input === 'c') {
        store.stopping();
        onInterrupt();
      }
    },
    { isActive: isRawModeSupported === true },
  );
  return <Dashboard view={view} width={stdout.columns || 80} height={stdout.rows || 50} />;
}

export async function runDashboard(run: PreparedRun, onInterrupt: () => void): Promise<TrainSummary> {
  const store = new TrainViewStore(run.trainer.events, run.earlier);
  const app = render(<TrainApp store={store} onInterrupt={onInterrupt} />, { exitOnCtrlC: false, patchConsole: false });
  try {
    return await run.trainer.run();
  } finally {
    // Let the last events render before leaving.
    await new Promise((r) => setTimeout(r, 50));
    store.close();
    app.unmount();
    await app.waitUntilExit().catch(() => {});
  }
}
