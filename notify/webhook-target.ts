// A webhook the worker posts rollout notices to: its name (what logs and results show) and its secret URL.

export interface WebhookTarget {
  /** Letters, digits, _ and -: the only way logs, errors and delivery results refer to the webhook. */
  name: string;
  /** Secret (a Slack webhook URL is a token): used for the request only, never logged or put in workflow history. */
  url: string;
}

export const WEBHOOK_NAME_RULE = '1 to 64 letters, digits, _ or -';
const WEBHOOK_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** The target as it may be shown: its name and the URL's scheme and host, never its path, query or credentials. */
export function describeWebhookTarget(target: WebhookTarget): string {
  return `${target.name}=${new URL(target.url).origin}/…`;
}

/**
 * Parses `name=url,name=url` (ROLLOUT_WEBHOOKS). Every problem names the entry by position and name only: an entry
 * is never echoed, since its URL's path and query are the secret.
 */
export function parseWebhookTargets(text: string): { targets: WebhookTarget[]; problems: string[] } {
  const targets: WebhookTarget[] = [];
  const problems: string[] = [];
  if (text.trim() === '') return { targets, problems };
  text.split(',').forEach((raw, index) => {
    const entry = raw.trim();
    const where = `entry ${index + 1}`;
    if (entry === '') {
      problems.push(`${where} is empty (a stray comma?); write name=url,name=url`);
      return;
    }
    const equals = entry.indexOf('=');
    const name = equals < 0 ? '' : entry.slice(0, equals).trim();
    if (equals < 0 || /[/:]/.test(name)) {
      problems.push(`${where} has no name; write name=url, e.g. slack=https://hooks.slack.com/services/…`);
      return;
    }
    if (!WEBHOOK_NAME.test(name)) {
      problems.push(`${where}: the name ${JSON.stringify(name.slice(0, 64))} is not ${WEBHOOK_NAME_RULE}`);
      return;
    }
    const named = `${where} (${name})`;
    const url = parseUrl(entry.slice(equals + 1).trim());
    if (url === null) {
      problems.push(`${named}: the URL is not a valid absolute URL (write http(s)://host/path; a comma in it must be written %2C)`);
      return;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      problems.push(`${named}: the URL must start with http:// or https://, not ${JSON.stringify(url.protocol)}`);
      return;
    }
    if (targets.some((target) => target.name === name)) {
      problems.push(`${named}: the name is used twice; give each webhook its own name`);
      return;
    }
    targets.push({ name, url: url.href });
  });
  return { targets, problems };
}

function parseUrl(text: string): URL | null {
  try {
    return text === '' ? null : new URL(text);
  } catch {
    return null;
  }
}
