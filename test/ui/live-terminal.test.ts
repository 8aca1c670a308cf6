import { describe, expect, it } from 'vitest';
import { allowLiveRendering } from '../../src/ui/shared/live-terminal.js';

describe('allowLiveRendering', () => {
  it('removes CI and CONTINUOUS_INTEGRATION (whatever their value) and nothing else', () => {
    const env: NodeJS.ProcessEnv = { CI: 'true', CONTINUOUS_INTEGRATION: '1', CI_JOB_ID: '7', PATH: '/bin' };
    expect(allowLiveRendering(env)).toEqual(['CI', 'CONTINUOUS_INTEGRATION']);
    expect(env).toEqual({ CI_JOB_ID: '7', PATH: '/bin' });
  });
  it('is a no-op without them', () => {
    const env: NodeJS.ProcessEnv = { PATH: '/bin' };
    expect(allowLiveRendering(env)).toEqual([]);
    expect(env).toEqual({ PATH: '/bin' });
  });
});
