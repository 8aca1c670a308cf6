/**
 * One access-log line per answered request, on stderr: plain text for people, or JSON Lines for
 * log collectors (`--log-format json`). The texts themselves and API keys are never logged.
 *   2026-12-07T10:00:00.123Z 127.0.0.1 POST /translate 200 12.3ms sentences=2
 *   {"time":"2026-12-07T10:00:00.123Z","remote":"127.0.0.1","method":"POST","url":"/translate",
 *    "status":200,"ms":12.3,"sentences":2}   (one line)
 * A request whose client went away before the answer is logged with status 499 (nginx's
 * "client closed request"); an error answer carries its message.
 */
import type { LogFormat } from './options.js';

export interface AccessEntry {
  time: Date;
  remote: string;
  method: string;
  url: string;
  status: number;
  ms: number;
  /** Sentences the request asked to translate, when it got that far. */
  sentences?: number;
  error?: string;
}

export function formatAccess(e: AccessEntry, format: LogFormat): string {
  const ms = Math.round(e.ms * 10) / 10;
  if (format === 'json') {
    const line: Record<string, unknown> = {
      time: e.time.toISOString(),
      remote: e.remote,
      method: e.method,
      url: e.url,
      status: e.status,
      ms,
    };
    if (e.sentences !== undefined) line.sentences = e.sentences;
    if (e.error !== undefined) line.error = e.error;
    return JSON.stringify(line);
  }
  let line = `${e.time.toISOString()} ${e.remote} ${e.method} ${e.url} ${e.status} ${ms}ms`;
  if (e.sentences !== undefined) line += ` sentences=${e.sentences}`;
  if (e.error !== undefined) line += ` error=${JSON.stringify(e.error)}`;
  return line;
}
