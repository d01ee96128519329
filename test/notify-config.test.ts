// ROLLOUT_WEBHOOKS and ROLLOUT_WEBHOOK_KINDS: parsed into the notify settings; errors say what is wrong without the URLs.
import { ConfigError, describeConfig, loadConfig } from '../config/load-config';
import { NOTICE_KINDS } from '../notify/rollout-notice';

const SLACK = 'https://hooks.slack.com/services/T0001/B0001/XXXXsecretXXXX';

it('has no webhooks and every kind by default', () => {
  expect(loadConfig({}).notify).toEqual({ targets: [], kinds: [...NOTICE_KINDS] });
  expect(loadConfig({ ROLLOUT_WEBHOOKS: ' ', ROLLOUT_WEBHOOK_KINDS: '' }).notify).toEqual({ targets: [], kinds: [...NOTICE_KINDS] });
});

it('reads named webhooks and the kinds they get', () => {
  const config = loadConfig({ ROLLOUT_WEBHOOKS: `slack=${SLACK}, ops-pager_2 = http://127.0.0.1:8080/hook?key=abc`, ROLLOUT_WEBHOOK_KINDS: 'breach, rolled-back,breach' });
  expect(config.notify).toEqual({
    targets: [
      { name: 'slack', url: SLACK },
      { name: 'ops-pager_2', url: 'http://127.0.0.1:8080/hook?key=abc' },
    ],
    kinds: ['breach', 'rolled-back'],
  });
});

it('shows the webhooks by name and host only', () => {
  const shown = describeConfig(loadConfig({ ROLLOUT_WEBHOOKS: `slack=${SLACK},ops=https://user:pw@ops.example.com/h?token=t` }));
  expect(shown.rolloutWebhooks).toBe('slack=https://hooks.slack.com/…,ops=https://ops.example.com/…');
  expect(shown.rolloutWebhookKinds).toBe('(all)');
  expect(JSON.stringify(shown)).not.toMatch(/secret|T0001|token|pw@/);
  expect(describeConfig(loadConfig({})).rolloutWebhooks).toBe('(none)');
});

it.each([
  ['a bare URL', SLACK, 'entry 1 has no name; write name=url'],
  ['a URL with = in its query and no name', 'https://x.example.com/h?token=secret', 'entry 1 has no name'],
  ['a bad name', `slack!=${SLACK}`, 'entry 1: the name "slack!" is not 1 to 64 letters, digits, _ or -'],
  ['an empty name', `=${SLACK}`, 'entry 1: the name "" is not 1 to 64 letters, digits, _ or -'],
  ['an empty URL', 'slack=', 'entry 1 (slack): the URL is not a valid absolute URL'],
  ['a relative URL', 'slack=/services/secret', 'entry 1 (slack): the URL is not a valid absolute URL'],
  ['another scheme', 'slack=ftp://files.example.com/secret', 'entry 1 (slack): the URL must start with http:// or https://, not "ftp:"'],
  ['a stray comma', `slack=${SLACK},`, 'entry 2 is empty (a stray comma?)'],
  ['a name used twice', `slack=${SLACK},ops=https://a.example.com/secret,slack=https://b.example.com/secret`, 'entry 3 (slack): the name is used twice'],
])('refuses %s without showing the URL', (_what, value, message) => {
  const error = errorOf(() => loadConfig({ ROLLOUT_WEBHOOKS: value }));
  expect(error).toBeInstanceOf(ConfigError);
  expect(error.message).toContain(`ROLLOUT_WEBHOOKS=(hidden): ${message}`);
  expect(error.message).not.toMatch(/secret|T0001/);
});

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
}

it('lists every bad entry', () => {
  expect(() => loadConfig({ ROLLOUT_WEBHOOKS: `a=${SLACK},b=ftp://x,,c=nope` })).toThrow(
    /ROLLOUT_WEBHOOKS=\(hidden\): entry 2 \(b\).*\n {2}ROLLOUT_WEBHOOKS=\(hidden\): entry 3 is empty.*\n {2}ROLLOUT_WEBHOOKS=\(hidden\): entry 4 \(c\): the URL is not a valid absolute URL/,
  );
});

it('refuses an unknown notice kind, suggesting the one meant and listing the allowed ones', () => {
  const attempt = () => loadConfig({ ROLLOUT_WEBHOOK_KINDS: 'breach,gate-open,nonsense,' });
  expect(attempt).toThrow(ConfigError);
  expect(attempt).toThrow(`ROLLOUT_WEBHOOK_KINDS="breach,gate-open,nonsense,": "gate-open" (did you mean "gate-opened"?) is not a notice kind; allowed kinds are ${NOTICE_KINDS.join(', ')}`);
  expect(attempt).toThrow('"nonsense" is not a notice kind');
  expect(attempt).toThrow('an empty entry (a stray comma?) is not a notice kind');
});
