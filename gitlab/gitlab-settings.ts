// Reads the GitLab settings from the environment: the API (GITLAB_URL, GITLAB_TOKEN) and where flags live (FLAG_BACKEND).
import { ENVIRONMENTS, type Environment } from '../flags/environments';
import { closestField } from '../plan/strict-section-schema';

/** One GitLab instance: its URL (the API is under `/api/v4`) and a token for it (secret). */
export interface GitLabInstance {
  url: string;
  /** Secret: only ever sent in the PRIVATE-TOKEN header; never logged, never in workflow input or history. */
  token: string;
}

export const FLAG_BACKENDS = ['redis', 'gitlab'] as const;
export type FlagBackend = (typeof FLAG_BACKENDS)[number];

/**
 * Where the rollout's flags are stored. `gitlab`: each environment with an instance is written through that
 * instance's Features API (GitLab has one Features API per instance: dev, staging, staging-ref and production are
 * separate instances); environments without one stay in Redis (Flipper's layout), like the `redis` backend.
 */
export type FlagBackendSettings = { backend: 'redis' } | { backend: 'gitlab'; instances: Partial<Record<Environment, GitLabInstance>> };

export interface SettingProblem {
  variable: string;
  message: string;
}

export interface GitLabSettings {
  /** The instance of GITLAB_URL/GITLAB_TOKEN: projects, deployments, merge requests, issues. */
  gitlab?: GitLabInstance;
  flags: FlagBackendSettings;
  problems: SettingProblem[];
}

const FEATURES_VARIABLE = /^GITLAB_FEATURES_([A-Z0-9_]+)_(URL|TOKEN)$/;

/** `GITLAB_FEATURES_<ENV>_URL` / `_TOKEN`, e.g. GITLAB_FEATURES_STAGING_REF_URL. */
export function featuresVariable(env: Environment, what: 'URL' | 'TOKEN'): string {
  return `GITLAB_FEATURES_${env.toUpperCase().replace(/-/g, '_')}_${what}`;
}

/** Variables whose values are never shown, not even when they are invalid. */
export function isGitLabSecretVariable(name: string): boolean {
  return name === 'GITLAB_TOKEN' || (FEATURES_VARIABLE.test(name) && name.endsWith('_TOKEN'));
}

export function parseGitLabSettings(env: NodeJS.ProcessEnv): GitLabSettings {
  const problems: SettingProblem[] = [];
  const problem = (variable: string, message: string) => problems.push({ variable, message });
  const value = (name: string): string | undefined => {
    const text = env[name];
    return text === undefined || text === '' ? undefined : text;
  };

  const url = readUrl(value('GITLAB_URL'), 'GITLAB_URL', problem);
  const token = readToken(value('GITLAB_TOKEN'), 'GITLAB_TOKEN', problem);
  if (value('GITLAB_URL') !== undefined && value('GITLAB_TOKEN') === undefined) problem('GITLAB_TOKEN', 'is required when GITLAB_URL is set (a personal, project or group access token)');
  if (value('GITLAB_TOKEN') !== undefined && value('GITLAB_URL') === undefined) problem('GITLAB_URL', 'is required when GITLAB_TOKEN is set (the instance URL, e.g. https://gitlab.com)');
  const gitlab = url !== undefined && token !== undefined ? { url, token } : undefined;

  const known = ENVIRONMENTS.flatMap((e) => [featuresVariable(e, 'URL'), featuresVariable(e, 'TOKEN')]);
  for (const name of Object.keys(env)) {
    if (FEATURES_VARIABLE.test(name) && !known.includes(name)) {
      const guess = closestField(name, known);
      problem(name, `is not a setting${guess ? ` (did you mean ${guess}?)` : ''}; the Features API settings are ${known.join(', ')}`);
    }
  }

  const backendText = value('FLAG_BACKEND') ?? 'redis';
  if (!(FLAG_BACKENDS as readonly string[]).includes(backendText)) {
    const guess = closestField(backendText, [...FLAG_BACKENDS]);
    problem('FLAG_BACKEND', `must be one of ${FLAG_BACKENDS.join(', ')}${guess ? ` (did you mean "${guess}"?)` : ''}`);
    return { gitlab, flags: { backend: 'redis' }, problems };
  }
  if (backendText === 'redis') {
    for (const name of known) if (value(name) !== undefined) problem(name, 'is set but FLAG_BACKEND is redis: set FLAG_BACKEND=gitlab to store flags through the Features API, or unset it');
    return { gitlab, flags: { backend: 'redis' }, problems };
  }

  const instances: Partial<Record<Environment, GitLabInstance>> = {};
  const seen = new Map<string, string>();
  for (const environment of ENVIRONMENTS) {
    const urlVariable = featuresVariable(environment, 'URL');
    const tokenVariable = featuresVariable(environment, 'TOKEN');
    // Production is the instance of GITLAB_URL unless told otherwise: on GitLab.com the project and its flags share it.
    const ownUrl = value(urlVariable);
    const rawUrl = ownUrl ?? (environment === 'production' ? value('GITLAB_URL') : undefined);
    if (rawUrl === undefined) {
      if (environment === 'production') problem(urlVariable, 'or GITLAB_URL is required with FLAG_BACKEND=gitlab: production flags are written through that instance\'s Features API');
      if (value(tokenVariable) !== undefined) problem(tokenVariable, `is set but ${urlVariable} is not`);
      continue;
    }
    const instanceUrl = ownUrl === undefined ? url : readUrl(ownUrl, urlVariable, problem);
    const ownToken = value(tokenVariable);
    const instanceToken = ownToken === undefined ? token : readToken(ownToken, tokenVariable, problem);
    if (ownToken === undefined && value('GITLAB_TOKEN') === undefined) problem(tokenVariable, `or GITLAB_TOKEN is required: an administrator's token for ${environment}'s Features API`);
    if (instanceUrl === undefined || instanceToken === undefined) continue;
    const named = ownUrl === undefined ? 'GITLAB_URL' : urlVariable;
    const other = seen.get(instanceUrl);
    if (other !== undefined) {
      problem(named, `names the same instance as ${other} (${instanceUrl}): GitLab has one Features API per instance, so ${environment} would share its flags`);
      continue;
    }
    seen.set(instanceUrl, named);
    instances[environment] = { url: instanceUrl, token: instanceToken };
  }
  return { gitlab, flags: { backend: 'gitlab', instances }, problems };
}

/** `gitlab (production → https://gitlab.com; dev, staging, staging-ref → redis)`, without tokens. */
export function describeFlagBackend(flags: FlagBackendSettings): string {
  if (flags.backend === 'redis') return 'redis';
  const parts = ENVIRONMENTS.filter((env) => flags.instances[env]).map((env) => `${env} → ${flags.instances[env]!.url}`);
  const rest = ENVIRONMENTS.filter((env) => !flags.instances[env]);
  return `gitlab (${[...parts, ...(rest.length > 0 ? [`${rest.join(', ')} → redis`] : [])].join('; ')})`;
}

function readUrl(text: string | undefined, variable: string, problem: (variable: string, message: string) => void): string | undefined {
  if (text === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    problem(variable, 'must be an http(s):// URL, e.g. https://gitlab.com');
    return undefined;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') problem(variable, 'must be an http(s):// URL, e.g. https://gitlab.com');
  else if (parsed.username !== '' || parsed.password !== '') problem(variable, 'must not hold credentials: put the token in its TOKEN variable');
  else if (parsed.search !== '' || parsed.hash !== '') problem(variable, 'must be the instance URL without a query or fragment, e.g. https://gitlab.com');
  else if (/\/api\/v4\/?$/.test(parsed.pathname)) problem(variable, 'must be the instance URL without /api/v4, e.g. https://gitlab.com');
  else return `${parsed.origin}${parsed.pathname}`.replace(/\/+$/, '');
  return undefined;
}

function readToken(text: string | undefined, variable: string, problem: (variable: string, message: string) => void): string | undefined {
  if (text === undefined) return undefined;
  if (/[\s\u0000-\u001f\u007f]/.test(text) || text.length > 1024) {
    problem(variable, 'must be one token of at most 1024 characters without spaces or control characters');
    return undefined;
  }
  return text;
}
