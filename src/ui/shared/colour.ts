/**
 * Whether the UI may use colour. chalk 5 reads FORCE_COLOR and the terminal but not
 * NO_COLOR (https://no-color.org), so this adds it, with Node's precedence: a FORCE_COLOR other
 * than 0/false wins, then a non-empty NO_COLOR turns colour off, else chalk's detection decides.
 */
import chalk from 'chalk';

export function colourWanted(env: NodeJS.ProcessEnv = process.env, detected: number = chalk.level): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '0' && force !== 'false') return true;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return detected > 0;
}

/**
 * Applies NO_COLOR to the shared chalk instance, which Ink also draws with, so the whole app is
 * plain text. Returns whether colour is on.
 */
export function applyColourPolicy(env: NodeJS.ProcessEnv = process.env): boolean {
  const on = colourWanted(env);
  if (!on) chalk.level = 0;
  return on;
}
