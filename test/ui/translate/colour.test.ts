import { describe, expect, it } from 'vitest';
import { colourWanted } from '../../../src/ui/shared/colour.js';

describe('colourWanted', () => {
  it('follows NO_COLOR (non-empty), with FORCE_COLOR taking precedence, else the detected level', () => {
    expect(colourWanted({}, 3)).toBe(true);
    expect(colourWanted({}, 0)).toBe(false);
    expect(colourWanted({ NO_COLOR: '1' }, 3)).toBe(false);
    expect(colourWanted({ NO_COLOR: '' }, 3)).toBe(true);
    expect(colourWanted({ NO_COLOR: '1', FORCE_COLOR: '1' }, 0)).toBe(true);
    expect(colourWanted({ NO_COLOR: '1', FORCE_COLOR: '0' }, 3)).toBe(false);
  });
});
