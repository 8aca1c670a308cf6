/**
 * Errors the user can act on. The CLI prints `seq2seq: <message>` on one line (no stack trace)
 * and exits with `exitCode`: 2 for bad usage or bad input, 1 for a runtime failure.
 * Core code throws these; it never prints or exits itself.
 */
export class Seq2SeqError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'Seq2SeqError';
    this.exitCode = exitCode;
  }
}

/** Bad input or bad usage: exit code 2. The message should name the file, the line and the problem. */
export class InputError extends Seq2SeqError {
  constructor(message: string) {
    super(message, 2);
    this.name = 'InputError';
  }
}

/** A failure while running (I/O, numerical divergence, ...): exit code 1. */
export class RuntimeFailure extends Seq2SeqError {
  constructor(message: string) {
    super(message, 1);
    this.name = 'RuntimeFailure';
  }
}

/** `file:line: problem`, the shape of every input error message. */
export function at(file: string, line: number | undefined, problem: string): string {
  return line === undefined ? `${file}: ${problem}` : `${file}:${line}: ${problem}`;
}
