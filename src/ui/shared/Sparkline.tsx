/**
 * A sparkline of the last `width` values, one of ▁▂▃▄▅▆▇█ per value, scaled between the
 * minimum and maximum shown (non-finite values are drawn as a space).
 */
import { Text } from 'ink';
import type React from 'react';

const BARS = '▁▂▃▄▅▆▇█';

export function sparkline(values: readonly number[], width: number): string {
  const shown = values.slice(-width);
  const finite = shown.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return ' '.repeat(shown.length);
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  return shown
    .map((v) => {
      if (!Number.isFinite(v)) return ' ';
      const k = hi === lo ? 0 : Math.round(((v - lo) / (hi - lo)) * (BARS.length - 1));
      return BARS[k];
    })
    .join('');
}

/** Averages consecutive groups so that `values` fits in `width` cells. */
export function downsample(values: readonly number[], width: number): number[] {
  if (values.length <= width) return [...values];
  const out: number[] = [];
  for (let i = 0; i < width; i++) {
    const a = Math.floor((i * values.length) / width);
    const b = Math.floor(((i + 1) * values.length) / width);
    let s = 0;
    for (let j = a; j < b; j++) s += values[j];
    out.push(s / (b - a));
  }
  return out;
}

export interface SparklineProps {
  values: readonly number[];
  width?: number;
  color?: string;
}

export function Sparkline({ values, width = 50, color = 'cyan' }: SparklineProps): React.JSX.Element {
  return <Text color={color}>{sparkline(downsample(values, width), width)}</Text>;
}
