/**
 * What must be undone if the process ends before the work is done: a temporary output file, a
 * run's lock file. Each owner registers a cleanup while the thing exists and removes it when done;
 * the CLI (src/cli/main.ts) runs the ones left on `exit` and on every catchable terminating signal.
 * Cleanups are synchronous (they run inside an `exit` handler) and must never throw.
 */

interface Cleanup {
  run(): void;
  /** What the user should know after an interruption, e.g. "out.txt left untouched"; or null. */
  note: string | null;
}

const pending = new Set<Cleanup>();

/** Registers `run` (with an optional note for an interruption message); returns its remover. */
export function registerCleanup(run: () => void, note: string | null = null): () => void {
  const entry: Cleanup = { run, note };
  pending.add(entry);
  return () => {
    pending.delete(entry);
  };
}

/** Runs and forgets every pending cleanup; returns their notes. */
export function runCleanups(): string[] {
  const notes: string[] = [];
  for (const entry of [...pending]) {
    pending.delete(entry);
    try {
      entry.run();
    } catch {
      /* a cleanup must not stop the others */
    }
    if (entry.note !== null) notes.push(entry.note);
  }
  return notes;
}
