// Reads flags for `feature get` and `feature list`: each flag's gates in every environment where it is present.
import { ENVIRONMENTS, type Environment } from '../flags/environments';
import type { FlagGates } from '../flags/flag-gates';
import { isFlagName } from '../flags/flag-name';
import type { FlagStore } from '../flags/flag-store';
import { CliError, EXIT_CODES } from './cli-errors';
import { gatesText } from './feature-gates-text';

/** A flag's gates per environment; an environment where the flag is not present is left out. */
export interface FlagListing {
  flag: string;
  environments: Partial<Record<Environment, FlagGates>>;
}

/** The flag's gates in every environment; not found (exit 4) when no environment has it. */
export async function readFlag(store: FlagStore, flag: string): Promise<FlagListing> {
  const listing = await gatesOf(store, flag);
  if (Object.keys(listing.environments).length === 0) {
    throw new CliError(`flag ${flag} is not set in any environment (${ENVIRONMENTS.join(', ')})`, EXIT_CODES.notFound);
  }
  return listing;
}

/**
 * Every flag present in some environment whose name contains `match` (all when undefined), by name. Names in the
 * features sets that break the flag-name rule (written by another Flipper client) are not read: they are `skipped`.
 */
export async function listFlags(store: FlagStore, match: string | undefined): Promise<{ listings: FlagListing[]; skipped: string[] }> {
  const names = new Set<string>();
  for (const env of ENVIRONMENTS) for (const name of await store.list(env)) names.add(name);
  const wanted = [...names].filter((name) => match === undefined || name.includes(match)).sort();
  const listings: FlagListing[] = [];
  for (const name of wanted.filter(isFlagName)) listings.push(await gatesOf(store, name));
  return { listings, skipped: wanted.filter((name) => !isFlagName(name)) };
}

/** `feature get`: the flag, then one line per environment (`not set` where it is absent). */
export function flagText(listing: FlagListing): string {
  const lines = [listing.flag];
  for (const env of ENVIRONMENTS) lines.push(`  ${env.padEnd(12)} ${gatesText(listing.environments[env] ?? null)}`);
  return lines.join('\n');
}

/** `feature list`: one line per flag with the environments it is present in. */
export function flagListText(listings: FlagListing[], match: string | undefined): string {
  if (listings.length === 0) return match === undefined ? 'no flags are set' : `no flag name contains ${JSON.stringify(match)}`;
  const width = Math.max(...listings.map(({ flag }) => flag.length));
  return listings
    .map(({ flag, environments }) => {
      const states = ENVIRONMENTS.filter((env) => environments[env] !== undefined).map((env) => `${env}: ${gatesText(environments[env] ?? null)}`);
      return `${flag.padEnd(width)}  ${states.join(' | ')}`;
    })
    .join('\n');
}

async function gatesOf(store: FlagStore, flag: string): Promise<FlagListing> {
  const environments: Partial<Record<Environment, FlagGates>> = {};
  for (const env of ENVIRONMENTS) {
    const gates = await store.get(flag, env);
    if (gates !== null) environments[env] = gates;
  }
  return { flag, environments };
}
