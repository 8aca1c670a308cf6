import { defineConfig } from 'vitest/config';

// `npm run test:long`: the tests too slow for `npm test` (docs/reliability.md): a 1 GiB streaming
// translation with its peak memory, the kill test with 60 kills instead of 20, the fuzzers of
// test/reliability on five times as many inputs, and every command writing to every kind of output.
export default defineConfig({
  test: {
    include: [
      'test/long/**/*.long.ts',
      'test/reliability/fuzz.test.ts',
      'test/reliability/kill.test.ts',
      'test/reliability/outputs.test.ts',
    ],
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 600_000,
    hookTimeout: 600_000,
    env: { SEQ2SEQ_FUZZ_SCALE: '5', SEQ2SEQ_KILLS: '60', SEQ2SEQ_OUTPUTS_ALL: '1' },
    reporters: ['default'],
  },
});
