#!/usr/bin/env node
// Entry point of the installed CLI: runs the compiled TypeScript in dist/.
import { main } from '../dist/cli/main.js';

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    // main() reports its own errors; this is the last line of defence.
    process.stderr.write(`seq2seq: internal error: ${err?.message ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
