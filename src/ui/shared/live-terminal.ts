/**
 * Ink (through the `is-in-ci` package, read once when Ink is first imported) draws nothing live
 * when CI or CONTINUOUS_INTEGRATION is set: only the last frame, at exit. The CLI decides for
 * itself whether to draw a live UI (stdin and stdout are terminals); once it has, a CI variable
 * inherited from the environment (a developer's shell, a CI job driving a pseudo-terminal) must
 * not blank the dashboard or the translator. Call this before the first import of 'ink'.
 */
const CI_VARIABLES = ['CI', 'CONTINUOUS_INTEGRATION'] as const;

/** Removes the CI variables from `env` (for this process only); returns the names removed. */
export function allowLiveRendering(env: NodeJS.ProcessEnv = process.env): string[] {
  const removed: string[] = [];
  for (const name of CI_VARIABLES) {
    if (name in env) {
      delete env[name];
      removed.push(name);
    }
  }
  return removed;
}
