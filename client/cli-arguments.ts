// Commander argument parsers for the CLI: each turns text into a value or says what is allowed.
import { InvalidArgumentError } from 'commander';
import { ENVIRONMENTS, isEnvironment, type Environment } from '../flags/environments';
import { durationToMs } from '../plan/duration-text-schema';

export function positiveNumber(text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a number > 0');
  return n;
}

export function positiveInteger(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError('must be a whole number > 0');
  return n;
}

/** Milliseconds of a duration with a unit (as in a plan), longer than zero. */
export function duration(text: string): number {
  const value = durationToMs(text);
  if (value === undefined || value <= 0) throw new InvalidArgumentError('must be a duration with a unit, e.g. 30s, 5m');
  return value;
}

export function environment(text: string): Environment {
  if (!isEnvironment(text)) throw new InvalidArgumentError(`must be one of ${ENVIRONMENTS.join(', ')}`);
  return text;
}
