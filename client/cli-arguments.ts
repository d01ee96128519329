// Commander argument parsers for the CLI: each turns text into a value or says what is allowed.
import { InvalidArgumentError } from 'commander';
import ms from 'ms';
import { ENVIRONMENTS, isEnvironment, type Environment } from '../flags/environments';

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

export function duration(text: string): number {
  const value = ms(text as ms.StringValue) as number | undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || !/[a-z]$/i.test(text)) {
    throw new InvalidArgumentError('must be a duration with a unit, e.g. 30s, 5m');
  }
  return value;
}

export function environment(text: string): Environment {
  if (!isEnvironment(text)) throw new InvalidArgumentError(`must be one of ${ENVIRONMENTS.join(', ')}`);
  return text;
}
