// Who makes a manual flag change, for the audit trail: --by, else $ROLLOUT_USER, else the login name.
import { userInfo } from 'node:os';
import { isUsername, USERNAME_RULE } from '../plan/username';
import { UsageError } from './cli-errors';

/** The environment variable that names the person at the keyboard when `--by` is not given. */
export const ROLLOUT_USER_ENV = 'ROLLOUT_USER';

/** The author of a change: `--by`, then `$ROLLOUT_USER`, then `$USER`, then the operating system's login name. */
export function changeAuthor(by: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const [source, name] = firstGiven([
    ['--by', by],
    [`$${ROLLOUT_USER_ENV}`, env[ROLLOUT_USER_ENV]],
    ['$USER', env.USER],
    ['the login name', loginName()],
  ]);
  if (name === undefined) throw new UsageError(`who makes this change? Give --by <user> or set $${ROLLOUT_USER_ENV}`);
  if (!isUsername(name)) throw new UsageError(`${source} ${JSON.stringify(name)} ${USERNAME_RULE}; give --by <user>`);
  return name;
}

function firstGiven(candidates: [string, string | undefined][]): [string, string | undefined] {
  return candidates.find(([, name]) => name !== undefined && name !== '') ?? ['', undefined];
}

function loginName(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    return undefined; // no passwd entry for this uid (some containers)
  }
}
