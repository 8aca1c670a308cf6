/**
 * The kernel backend's one warning line (native requested but unavailable, a bad SEQ2SEQ_* value),
 * printed at most once per process however many places ask: `main` asks when the environment
 * forces or tunes a backend, `seq2seq doctor` asks always.
 */
let printed = false;

export async function printBackendWarningOnce(): Promise<void> {
  if (printed) return;
  const { backendWarning } = await import('../tensor/index.js');
  const warning = backendWarning();
  printed = true;
  if (warning) process.stderr.write(`seq2seq: warning: ${warning}\n`);
}
