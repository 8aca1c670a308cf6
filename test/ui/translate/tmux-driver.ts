/**
 * A small tmux driver for end-to-end tests of the terminal UI: a private server (its own socket,
 * so nothing touches the user's tmux), one detached session of a fixed size, keys in, screen out.
 */
import { spawnSync } from 'node:child_process';

export function hasTmux(): boolean {
  const r = spawnSync('tmux', ['-V'], { encoding: 'utf8' });
  return r.status === 0;
}

export class TmuxSession {
  private readonly socket: string;
  constructor(readonly name = 'e2e') {
    this.socket = `seq2seq-e2e-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  }

  private tmux(args: string[]): string {
    const r = spawnSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`tmux ${args[0]} failed: ${r.stderr.trim()}`);
    return r.stdout;
  }

  /** Starts `command` (a shell command line) in a detached width×height window. */
  start(
    command: string,
    opts: { width?: number; height?: number; cwd?: string; env?: Record<string, string> } = {},
  ): void {
    const env = Object.entries(opts.env ?? {}).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    this.tmux([
      '-f',
      '/dev/null',
      'new-session',
      '-d',
      '-s',
      this.name,
      '-x',
      String(opts.width ?? 100),
      '-y',
      String(opts.height ?? 40),
      ...(opts.cwd ? ['-c', opts.cwd] : []),
      ...env,
      command,
    ]);
  }

  /** Types text literally (no key-name interpretation). */
  type(text: string): void {
    this.tmux(['send-keys', '-t', this.name, '-l', text]);
  }

  /** Sends named keys: Enter, Tab, C-a, Up, ... */
  keys(...names: string[]): void {
    for (const k of names) this.tmux(['send-keys', '-t', this.name, k]);
  }

  /** Resizes the window, as a user dragging the terminal's edge (the program gets SIGWINCH). */
  resize(width: number, height: number): void {
    this.tmux(['resize-window', '-t', this.name, '-x', String(width), '-y', String(height)]);
  }

  /** The visible screen, one string per row, trailing blanks removed. */
  screen(): string[] {
    return this.tmux(['capture-pane', '-p', '-t', this.name])
      .split('\n')
      .map((l) => l.trimEnd());
  }

  /** The screen plus up to `history` rows of scrollback. */
  screenWithHistory(history = 200): string[] {
    return this.tmux(['capture-pane', '-p', '-S', `-${history}`, '-t', this.name])
      .split('\n')
      .map((l) => l.trimEnd());
  }

  /** Polls the screen until `pred` holds; throws with the last screen after `timeoutMs`. */
  async waitFor(pred: (lines: string[]) => boolean, what: string, timeoutMs = 20_000): Promise<string[]> {
    const end = Date.now() + timeoutMs;
    let lines: string[] = [];
    for (;;) {
      lines = this.screenWithHistory();
      if (pred(lines)) return lines;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}; screen:\n${lines.join('\n')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  kill(): void {
    spawnSync('tmux', ['-L', this.socket, 'kill-server'], { encoding: 'utf8' });
  }
}
