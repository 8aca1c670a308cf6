/** A one-line progress bar: `[█████░░░░░]  45%  label`. */
import { Text } from 'ink';
import type React from 'react';

export function progressBar(fraction: number, width: number): string {
  const f = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
  const full = Math.round(f * width);
  return '█'.repeat(full) + '░'.repeat(width - full);
}

export interface ProgressBarProps {
  fraction: number;
  width?: number;
  label?: string;
  color?: string;
}

export function ProgressBar({ fraction, width = 30, label, color = 'green' }: ProgressBarProps): React.JSX.Element {
  const pct = `${Math.round(Math.min(1, Math.max(0, fraction || 0)) * 100)}%`.padStart(4);
  return (
    <Text>
      <Text color={color}>{progressBar(fraction, width)}</Text>
      <Text> {pct}</Text>
      {label ? <Text dimColor> {label}</Text> : null}
    </Text>
  );
}
