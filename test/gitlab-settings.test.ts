// GitLab settings in the configuration: GITLAB_URL/GITLAB_TOKEN, FLAG_BACKEND and each environment's Features API.
import { ConfigError, describeConfig, loadConfig } from '../config/load-config';

const TOKEN = 'glpat-abcdefghijklmnop';

it('keeps flags in Redis by default and has no GitLab API unless GITLAB_URL and GITLAB_TOKEN are set', () => {
  const config = loadConfig({});
  expect(config.flags).toEqual({ backend: 'redis' });
  expect(config.gitlab).toBeUndefined();
  expect(describeConfig(config)).toMatchObject({ flagBackend: 'redis', gitlabUrl: '(not set)', gitlabToken: '(not set)' });
  expect(loadConfig({ GITLAB_URL: 'https://gitlab.com/', GITLAB_TOKEN: TOKEN }).gitlab).toEqual({ url: 'https://gitlab.com', token: TOKEN });
});

it('writes production through GITLAB_URL\'s Features API with FLAG_BACKEND=gitlab, the other environments where configured', () => {
  const config = loadConfig({
    FLAG_BACKEND: 'gitlab',
    GITLAB_URL: 'https://gitlab.com',
    GITLAB_TOKEN: TOKEN,
    GITLAB_FEATURES_STAGING_URL: 'https://staging.gitlab.com',
    GITLAB_FEATURES_STAGING_REF_URL: 'https://staging-ref.gitlab.com',
    GITLAB_FEATURES_STAGING_REF_TOKEN: 'glpat-staging-ref-token',
  });
  expect(config.flags).toEqual({
    backend: 'gitlab',
    instances: {
      staging: { url: 'https://staging.gitlab.com', token: TOKEN },
      'staging-ref': { url: 'https://staging-ref.gitlab.com', token: 'glpat-staging-ref-token' },
      production: { url: 'https://gitlab.com', token: TOKEN },
    },
  });
  const shown = describeConfig(config);
  expect(shown.flagBackend).toBe('gitlab (staging → https://staging.gitlab.com; staging-ref → https://staging-ref.gitlab.com; production → https://gitlab.com; dev → redis)');
  expect(JSON.stringify(shown)).not.toContain('glpat-');
});

it('names what is missing or wrong, and never shows a token', () => {
  const messageOf = (env: NodeJS.ProcessEnv) => {
    try {
      loadConfig(env);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as Error).message;
    }
    throw new Error('expected a ConfigError');
  };
  expect(messageOf({ FLAG_BACKEND: 'gitlabb' })).toMatch(/FLAG_BACKEND="gitlabb": must be one of redis, gitlab \(did you mean "gitlab"\?\)/);
  expect(messageOf({ FLAG_BACKEND: 'gitlab' })).toMatch(/GITLAB_FEATURES_PRODUCTION_URL=undefined: or GITLAB_URL is required with FLAG_BACKEND=gitlab/);
  expect(messageOf({ GITLAB_URL: 'https://gitlab.com' })).toMatch(/GITLAB_TOKEN=\(hidden\): is required when GITLAB_URL is set/);
  expect(messageOf({ GITLAB_URL: 'https://gitlab.com/api/v4', GITLAB_TOKEN: TOKEN })).toMatch(/GITLAB_URL="https:\/\/gitlab.com\/api\/v4": must be the instance URL without \/api\/v4/);
  const withPassword = messageOf({ GITLAB_URL: 'https://root:s3cret@gitlab.com', GITLAB_TOKEN: TOKEN });
  expect(withPassword).toMatch(/GITLAB_URL="https:\/\/root:\*\*\*@gitlab.com": must not hold credentials/);
  expect(withPassword).not.toContain('s3cret');
  const badToken = messageOf({ GITLAB_URL: 'https://gitlab.com', GITLAB_TOKEN: 'glpat-with a space' });
  expect(badToken).toMatch(/GITLAB_TOKEN=\(hidden\): must be one token/);
  expect(badToken).not.toContain('with a space');
  expect(messageOf({ GITLAB_FEATURES_STAGING_URL: 'https://staging.gitlab.com' })).toMatch(/GITLAB_FEATURES_STAGING_URL="https:\/\/staging.gitlab.com": is set but FLAG_BACKEND is redis/);
  expect(messageOf({ FLAG_BACKEND: 'gitlab', GITLAB_URL: 'https://gitlab.com', GITLAB_TOKEN: TOKEN, GITLAB_FEATURES_PRODUCTON_URL: 'https://x' })).toMatch(
    /GITLAB_FEATURES_PRODUCTON_URL="https:\/\/x": is not a setting \(did you mean GITLAB_FEATURES_PRODUCTION_URL\?\)/,
  );
  expect(messageOf({ FLAG_BACKEND: 'gitlab', GITLAB_URL: 'https://gitlab.com', GITLAB_TOKEN: TOKEN, GITLAB_FEATURES_DEV_URL: 'https://gitlab.com/' })).toMatch(
    /GITLAB_URL="https:\/\/gitlab.com": names the same instance as GITLAB_FEATURES_DEV_URL \(https:\/\/gitlab.com\): GitLab has one Features API per instance, so production would share its flags/,
  );
  expect(messageOf({ FLAG_BACKEND: 'gitlab', GITLAB_FEATURES_PRODUCTION_URL: 'https://gitlab.com' })).toMatch(/GITLAB_FEATURES_PRODUCTION_TOKEN=\(hidden\): or GITLAB_TOKEN is required/);
});
