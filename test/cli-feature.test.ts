// `rollout feature` on a real Temporal dev server and Redis: ChatOps syntax, refusals, the audit trail, and --force.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { loadConfig } from '../config/load-config';
import { RedisFlagStore } from '../flags/redis-flag-store';
import { installQuietRuntime } from '../worker/install-quiet-runtime';
import { freePort } from '../stack/free-port';
import { startEmbeddedStack, type EmbeddedStack } from '../stack/embedded-stack';
import type { AuditEntry } from '../flags/audit-log';
import { EXIT_CODES } from '../client/cli-errors';
import { cliRunner, type CliResult } from './support/capture-cli';
import { pollUntil } from './support/eventually';

let stack: EmbeddedStack;
let cli: (...argv: string[]) => Promise<CliResult>;
let planFile: string;

beforeAll(async () => {
  installQuietRuntime();
  stack = await startEmbeddedStack({ ui: false });
  cli = cliRunner(stack.config, { unsigned: true });
  planFile = join(mkdtempSync(join(tmpdir(), 'cli-feature-')), 'plan.yaml');
  writeFileSync(planFile, ['approvalTimeout: 5m', 'signing: { mode: keyless }', 'requester: carol', 'operators: [sre-oncall]', ''].join('\n'));
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

async function log(flag: string): Promise<AuditEntry[]> {
  const out = await cli('feature', 'log', flag, '--json');
  expect(out).toMatchObject({ code: 0, stderr: '' });
  return JSON.parse(out.stdout) as AuditEntry[];
}

async function listed(): Promise<string[]> {
  const out = await cli('feature', 'list', '--json');
  expect(out.code).toBe(0);
  return (JSON.parse(out.stdout) as { flag: string }[]).map(({ flag }) => flag);
}

describe('feature set|get|list|delete|log', () => {
  it('sets gates in ChatOps syntax, accumulates repeated options and audits every change with who, where and before → after', async () => {
    const flag = 'cli_feature_audited';
    const actors = await cli('feature', 'set', flag, 'true', '--project=gitlab-org/gitlab', '--project', 'gitlab-org/gitlab-foss,gitlab-com/www-gitlab-com', '--group=gitlab-org', '--by', 'alice');
    expect(actors).toMatchObject({ code: 0, stderr: '' });
    expect(actors.stdout).toBe(
      'production: not set → actors: group:gitlab-org, project:gitlab-com/www-gitlab-com, project:gitlab-org/gitlab, project:gitlab-org/gitlab-foss\n',
    );
    expect((await cli('feature', 'set', flag, '25', '--actors', '--dev', '--staging', '--by', 'bob')).stdout).toBe(
      'dev: not set → 25 % of actors\nstaging: not set → 25 % of actors\n',
    );
    expect((await cli('feature', 'set', flag, 'true', '--feature-group=gitlab_team_members', '--namespace', 'gitlab-org', '--dev', '--by', 'bob')).code).toBe(EXIT_CODES.usage);
    expect((await cli('feature', 'set', flag, 'true', '--feature-group=gitlab_team_members', '--dev', '--by', 'bob')).stdout).toBe(
      'dev: 25 % of actors → 25 % of actors; groups: gitlab_team_members\n',
    );
    expect((await cli('feature', 'set', flag, '10', '--random', '--ignore-random-deprecation-check', '--staging-ref', '--by', 'bob')).code).toBe(0);

    const get = await cli('feature', 'get', flag);
    expect(get).toMatchObject({ code: 0, stderr: '' });
    expect(get.stdout).toBe(
      [
        flag,
        '  dev          25 % of actors; groups: gitlab_team_members',
        '  staging      25 % of actors',
        '  staging-ref  10 % of time',
        '  production   actors: group:gitlab-org, project:gitlab-com/www-gitlab-com, project:gitlab-org/gitlab, project:gitlab-org/gitlab-foss',
        '',
      ].join('\n'),
    );
    const json = JSON.parse((await cli('feature', 'get', flag, '--json')).stdout) as { environments: Record<string, { percentageOfActors: number | null; groups: string[] }> };
    expect(json.environments.dev).toMatchObject({ percentageOfActors: 25, groups: ['gitlab_team_members'] });

    expect((await cli('feature', 'delete', flag, '--dev', '--staging', '--by', 'carol')).stdout).toBe(
      'dev: 25 % of actors; groups: gitlab_team_members → not set\nstaging: 25 % of actors → not set\n',
    );

    const entries = await log(flag);
    expect(entries.map(({ env, by, action, command }) => ({ env, by, action, command }))).toEqual([
      {
        env: 'production',
        by: 'alice',
        action: 'set',
        command: `feature set ${flag} true --project=gitlab-org/gitlab,gitlab-org/gitlab-foss,gitlab-com/www-gitlab-com --group=gitlab-org`,
      },
      { env: 'dev', by: 'bob', action: 'set', command: `feature set ${flag} 25 --actors --dev --staging` },
      { env: 'staging', by: 'bob', action: 'set', command: `feature set ${flag} 25 --actors --dev --staging` },
      { env: 'dev', by: 'bob', action: 'set', command: `feature set ${flag} true --feature-group=gitlab_team_members --dev` },
      { env: 'staging-ref', by: 'bob', action: 'set', command: `feature set ${flag} 10 --random --ignore-random-deprecation-check --staging-ref` },
      { env: 'dev', by: 'carol', action: 'delete', command: `feature delete ${flag} --dev --staging` },
      { env: 'staging', by: 'carol', action: 'delete', command: `feature delete ${flag} --dev --staging` },
    ]);
    expect(entries.every(({ rollout, forced }) => rollout === 'none' && !forced)).toBe(true);
    expect(entries[0]).toMatchObject({ before: null, after: { boolean: null, percentageOfActors: null } });
    expect(entries[0]?.after?.actors).toContain('project:gitlab-org/gitlab-foss');
    expect(entries[5]).toMatchObject({ before: { percentageOfActors: 25, groups: ['gitlab_team_members'] }, after: null });
    expect(entries.map(({ at }) => Date.parse(at))).toEqual([...entries.map(({ at }) => Date.parse(at))].sort((a, b) => a - b));

    const text = await cli('feature', 'log', flag, '--limit', '2');
    expect(text.stdout).toMatch(
      new RegExp(
        `^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC  dev          carol: feature delete ${flag} --dev --staging\\n` +
          `    25 % of actors; groups: gitlab_team_members → not set\\n` +
          `.* UTC  staging      carol: feature delete ${flag} --dev --staging\\n    25 % of actors → not set\\n$`,
      ),
    );

    const list = await cli('feature', 'list', '--match', 'cli_feature_aud');
    expect(list.stdout).toBe(`${flag}  staging-ref: 10 % of time | production: actors: group:gitlab-org, project:gitlab-com/www-gitlab-com, project:gitlab-org/gitlab, project:gitlab-org/gitlab-foss\n`);
    expect((await cli('feature', 'list', '--match', 'no_such_flag_name')).stdout).toBe('no flag name contains "no_such_flag_name"\n');
  });

  it('refuses what ChatOps refuses, before anything is read or written', async () => {
    const flag = 'cli_feature_refused';
    const refusals: [string[], RegExp][] = [
      [['BadFlag', 'true'], /^error: Invalid flag name "BadFlag": a flag name is lowercase letters/],
      [[flag, 'true', '--group', '../x'], /^error: --group "\.\.\/x": Invalid actor id "group:\.\.\/x"/],
      [[flag, '0x10', '--actors'], /^error: The value "0x10" is invalid\. Valid values are: true, false, or an integer from 0 to 100\./],
      [[flag, '1e1', '--actors'], /^error: The value "1e1" is invalid/],
      [[flag, '2.5', '--actors'], /^error: The value "2\.5" is invalid/],
      [[flag, '50'], /^error: a percentage needs --actors \(percentage of actors: .*\) or --random \(percentage of time\)/],
      [[flag, '50', '--random'], /^error: --random \(percentage of time\) is deprecated/],
      [[flag, 'true', '--pre'], /^error: --pre: this project does not manage the pre environment's flags \(its environments are dev, staging, staging-ref, production\)/],
      [[flag, 'true', '--ops', '--dev'], /^error: --ops: this project does not manage the ops environment's flags/],
      [[flag, 'true', '--project', 'a,,b'], /option '--project <names>' argument 'a,,b' is invalid\. "a,,b" has an empty item/],
      [[flag, 'true', '--by', 'not a user'], /^error: --by "not a user" must be a GitLab username/],
    ];
    for (const [argv, message] of refusals) {
      const out = await cli('feature', 'set', ...argv);
      expect({ argv, code: out.code, stdout: out.stdout }).toEqual({ argv, code: EXIT_CODES.usage, stdout: '' });
      expect(out.stderr).toMatch(message);
    }
    expect((await cli('feature', 'delete', 'Bad_flag')).stderr).toMatch(/^error: Invalid flag name "Bad_flag"/);
    expect(await listed()).not.toContain(flag);
    expect(await log(flag)).toEqual([]);
  });

  it('says so when a flag is not set anywhere: get exits 4, log has nothing', async () => {
    const unknown = await cli('feature', 'get', 'cli_feature_never_set');
    expect(unknown).toMatchObject({ code: EXIT_CODES.notFound, stdout: '' });
    expect(unknown.stderr).toBe('error: flag cli_feature_never_set is not set in any environment (dev, staging, staging-ref, production)\n');
    expect((await cli('feature', 'get', 'cli_feature_never_set', '--json')).code).toBe(EXIT_CODES.notFound);
    expect((await cli('feature', 'log', 'cli_feature_never_set')).stdout).toBe('no manual changes of cli_feature_never_set are recorded\n');
    // A flag that was deleted everywhere is not set anywhere either, but its log keeps what happened.
    expect((await cli('feature', 'set', 'cli_feature_gone', 'true', '--by', 'alice')).code).toBe(0);
    expect((await cli('feature', 'delete', 'cli_feature_gone', '--by', 'alice')).code).toBe(0);
    expect((await cli('feature', 'get', 'cli_feature_gone')).code).toBe(EXIT_CODES.notFound);
    expect((await log('cli_feature_gone')).map(({ action }) => action)).toEqual(['set', 'delete']);
  });
  it('lists names another Flipper client wrote that break the flag-name rule as a warning, not as flags', async () => {
    const redis = new Redis(stack.config.redisUrl);
    try {
      await redis.sadd(new RedisFlagStore(redis, { prefix: stack.config.flagKeyPrefix }).featuresKey('dev'), 'cli_feature_Foreign');
    } finally {
      await redis.quit();
    }
    const out = await cli('feature', 'list', '--match', 'cli_feature_');
    expect(out.code).toBe(0);
    expect(out.stderr).toBe('warning: not shown, names that break the flag-name rule: "cli_feature_Foreign"\n');
    expect(out.stdout).not.toContain('Foreign');
  });
});

describe('feature set while a rollout of the flag runs', () => {
  it('refuses without --force; with --force warns, changes the flag and audits it as forced', async () => {
    const flag = 'cli_feature_during_rollout';
    expect((await cli('start', flag, '--plan', planFile)).code).toBe(0);
    await pollUntil(() => cli('status', flag, '--json'), (out) => out.code === 0 && (JSON.parse(out.stdout) as { pendingGate: string | null }).pendingGate === 'staging-qa', {
      what: 'staging-qa gate',
      timeoutMs: 30_000,
      intervalMs: 100,
    });

    for (const argv of [['set', flag, 'true', '--by', 'alice'], ['delete', flag, '--dev', '--by', 'alice']]) {
      const refused = await cli('feature', ...argv);
      expect({ argv, code: refused.code, stdout: refused.stdout }).toEqual({ argv, code: EXIT_CODES.refused, stdout: '' });
      expect(refused.stderr).toMatch(
        new RegExp(`^error: a rollout of ${flag} is running \\(workflow rollout-${flag}; stage staging-qa, state awaiting-approval, waiting at staging-qa\\): .*\\. Nothing was changed; add --force`),
      );
    }
    expect(await log(flag)).toEqual([]);

    const forced = await cli('feature', 'set', flag, 'true', '--user', 'by-hand', '--by', 'alice', '--force');
    expect(forced.code).toBe(0);
    expect(forced.stderr).toMatch(new RegExp(`^warning: a rollout of ${flag} is running .*; changing the flag anyway \\(--force\\)\\n$`));
    expect(forced.stdout).toBe('production: not set → actors: user:by-hand\n');
    const [entry, ...more] = await log(flag);
    expect(more).toEqual([]);
    expect(entry).toMatchObject({ env: 'production', by: 'alice', rollout: 'running', forced: true, before: null, after: { actors: ['user:by-hand'] } });
    expect((await cli('feature', 'log', flag)).stdout).toMatch(/alice: feature set .* --user=by-hand  \(--force: a rollout was running\)\n/);

    expect((await cli('abort', flag, '--by', 'sre-oncall', '--reason', 'test done')).code).toBe(0);
    await pollUntil(() => cli('status', flag, '--json'), (out) => out.code === 0 && (JSON.parse(out.stdout) as { state: string }).state === 'rolled-back', {
      what: 'rollback',
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    // Once the rollout has ended, no --force is needed.
    expect((await cli('feature', 'delete', flag, '--dev', '--by', 'alice')).code).toBe(0);
  });

  it('when Temporal cannot be reached, says so and needs --force', async () => {
    const port = await freePort();
    const offline = cliRunner(loadConfig({ TEMPORAL_ADDRESS: `127.0.0.1:${port}`, REDIS_URL: stack.config.redisUrl }));
    const flag = 'cli_feature_no_temporal';
    const refused = await offline('feature', 'set', flag, 'true', '--by', 'alice');
    expect(refused).toMatchObject({ code: EXIT_CODES.unreachable, stdout: '' });
    expect(refused.stderr).toMatch(
      new RegExp(`^error: cannot tell whether a rollout of this flag is running: cannot reach Temporal at 127\\.0\\.0\\.1:${port} .*Nothing was changed; add --force`),
    );
    const forced = await offline('feature', 'set', flag, 'true', '--by', 'alice', '--force');
    expect(forced).toMatchObject({ code: 0, stdout: 'production: not set → on\n' });
    expect(forced.stderr).toMatch(/^warning: cannot tell whether a rollout of this flag is running: cannot reach Temporal/);
    expect(await log(flag)).toEqual([expect.objectContaining({ rollout: 'unknown', forced: true })]);
  });
});
