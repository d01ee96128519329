// `npm run demo`: a compressed rollout of route_hll_to_snowplow_phase3 on an embedded stack, approved by two people.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { runCli } from '../client/cli';
import { planForStart } from '../client/plan-for-start';
import { generateKeyFiles } from '../signing/key-directory';
import { Client, Connection } from '@temporalio/client';
import { Runtime } from '@temporalio/worker';
import { Command, Option } from 'commander';
import { RolloutClient } from '../client/rollout-client';
import { collectRolloutReport } from '../report/build-rollout-report';
import { redisSeriesReader } from '../report/redis-series-reader';
import { writeReportFiles } from '../report/write-report-files';
import { loadPlanFile } from '../plan/load-plan-file';
import { READINESS_ITEM_IDS } from '../plan/readiness-items';
import { createLogger, temporalLogger } from '../worker/logger';
import type { GateName } from '../workflows/rollout-status';
import { DEFAULT_EVENT_MIX } from '../traffic/event-mix';
import { startTraffic } from '../traffic/traffic-generator';
import { startTrackingPath } from '../tracking/start-tracking-path';
import { productionActorIds } from '../flags/actor-id';
import { startGitLabForDemo, type DemoGitLab } from '../gitlab/test-server/gitlab-for-demo';
import { startEmbeddedStack } from './embedded-stack';
import { watchRollout } from './watch-rollout';

/** The final states a demo run can be told to expect; any other outcome is a failure. */
const EXPECTED_STATES = ['completed', 'rolled-back'] as const;
type ExpectedState = (typeof EXPECTED_STATES)[number];

/** Who approves which gate in the demo: two different people, neither of them the requester. */
const DEMO_APPROVERS: Record<GateName, string> = {
  'staging-qa': 'alice',
  'production-qa': 'bob',
  'global-readiness': 'alice',
  'volume-review': 'bob',
  deployment: 'bob',
  cleanup: 'alice',
};

async function main(): Promise<void> {
  const opts = new Command('demo')
    .option(
      '--plan <file>',
      'rollout plan (plans/tight-budget.yaml, with --expect rolled-back, shows the guard stopping the ramp)',
      resolve(__dirname, '..', 'plans', 'demo.yaml'),
    )
    .addOption(
      new Option('--expect <state>', 'the final state the rollout should end in; exit code 1 when it ends otherwise')
        .choices(EXPECTED_STATES)
        .default('completed'),
    )
    .option('--rate <events/s>', 'synthetic traffic through the tracking path', Number, 100)
    .option('--exit', 'stop the stack and exit when the rollout has ended (for scripts)')
    .option('--gitlab', "flags through the GitLab test server's Features API (one instance per environment); lists the API calls at the end")
    .parse()
    .opts<{ plan: string; expect: ExpectedState; rate: number; exit?: boolean; gitlab?: boolean }>();
  const say = (line: string) => console.log(line);
  Runtime.install({ logger: temporalLogger(createLogger('warn', 'demo'), 'WARN') });

  // Each approver signs with a key of their own, made for this run; the plan's signing.keys get the public halves.
  const keysDir = mkdtempSync(join(tmpdir(), 'rollout-demo-keys-'));
  const approverKeys = Object.fromEntries([...new Set(Object.values(DEMO_APPROVERS))].map((name) => [name, generateKeyFiles(keysDir, name)]));
  const keyringFile = join(keysDir, 'keyring.yaml');
  writeFileSync(keyringFile, stringify({ keys: Object.fromEntries(Object.entries(approverKeys).map(([name, key]) => [name, key.publicKeyText])) }));
  const plan = planForStart(loadPlanFile(opts.plan), keyringFile);
  say(`starting the embedded stack…`);
  const gitlab: DemoGitLab | null = opts.gitlab ? await startGitLabForDemo(productionActorIds(plan.production.actors)) : null;
  const stack = await startEmbeddedStack({ ui: true, standardPorts: true, env: gitlab?.env, log: (line) => say(`  ${line}`) });
  for (const line of gitlab?.describe() ?? []) say(`  gitlab          ${line}`);
  const connection = await Connection.connect({ address: stack.config.temporal.address });
  const tracking = await startTrackingPath({ ...stack.config, tracking: { ...stack.config.tracking, flag: plan.flag, instanceId: 'demo' } });
  const traffic = startTraffic(tracking.tracker, { rate: opts.rate, namespaces: 200, users: 5000, mix: DEFAULT_EVENT_MIX, env: 'production' });
  say(`  traffic         ${opts.rate} events/s from 200 namespaces through the tracking path (RedisHLL + Snowplow where ${plan.flag} is on)`);
  let failed = false;
  try {
    const rollouts = new RolloutClient(new Client({ connection }), stack.config.temporal.taskQueue);
    const workflowId = await rollouts.start(plan);
    say(`\nstarted ${workflowId} (requested by ${plan.requester}; ramp ${plan.ramp.steps.join('/')} %, soak ${plan.ramp.soak})\n`);
    const final = await watchRollout(rollouts, plan.flag, {
      print: (line) => say(`  ${line}`),
      onGate: async (gate) => {
        const by = DEMO_APPROVERS[gate];
        const confirmed = gate === 'global-readiness' ? READINESS_ITEM_IDS : undefined;
        const argv = ['approve', plan.flag, '--gate', gate, '--by', by, '--key', approverKeys[by]!.privateKey, ...(confirmed ? ['--confirm', confirmed.join(',')] : [])];
        say(`  >>> gate ${gate} is waiting; approving as ${by}, signed with ${by}'s key: npx rollout ${argv.join(' ')}`);
        const code = await runCli([...argv, '--comment', 'demo: verified'], { stdout: (line) => say(`      ${line.trimEnd()}`), stderr: (line) => say(`      ${line.trimEnd()}`) }, stack.config);
        if (code !== 0) throw new Error(`rollout approve exited with ${code}`);
      },
    });
    traffic.stop();
    await tracking.tracker.flush({ timeoutMs: 5000 });
    const stats = tracking.tracker.stats();
    failed = final.state !== opts.expect;
    say(`\nrollout ${final.state}: ${final.outcome?.reason ?? ''}`);
    if (failed) say(`expected the rollout to end ${opts.expect}, but it ended ${final.state}`);
    const badEvents = stack.collector.badEvents();
    say(
      `traffic: ${stats.tracked} events tracked, ${stats.routed} sent to Snowplow behind the flag; ` +
        `the collector received ${stack.collector.events().length} valid against the Iglu schemas and ${badEvents.length} bad, dropped ${stats.snowplow.dropped}`,
    );
    if (badEvents.length > 0) {
      failed = true;
      say(`the collector refused events as Snowplow Micro would: ${badEvents[0]!.errors.join('; ')}`);
    }
    const reader = redisSeriesReader(stack.config.redisUrl);
    try {
      const report = await collectRolloutReport(final, (flag, start, end) => reader.read(flag, start, end));
      const [markdown, chart] = writeReportFiles(report, resolve(__dirname, '..', 'rollout-reports'), ['markdown', 'svg']);
      say(`\nReport for the rollout issue (Markdown): ${markdown}\nSnowplow volume per minute (SVG chart):   ${chart}`);
    } finally {
      await reader.close();
    }
    const ui = stack.uiUrl ? `${stack.uiUrl}/namespaces/${stack.config.temporal.namespace}/workflows/${workflowId}` : '(no UI)';
    if (gitlab) say(`\n${gitlab.report().join('\n')}`);
    say(`\nSee every step in the Temporal UI: ${ui}`);
    say(`Inspect from another shell:\n  ${stack.cliEnv}\n  npx rollout status ${plan.flag}\n  npx rollout feature get ${plan.flag}\n  npx rollout report ${plan.flag}`);
    if (!opts.exit) {
      say('\nThe stack stays up; press Ctrl-C to stop it.');
      await new Promise<void>((resolveSignal) => {
        process.once('SIGINT', resolveSignal);
        process.once('SIGTERM', resolveSignal);
      });
    }
  } finally {
    traffic.stop();
    await tracking.close();
    await connection.close();
    await stack.stop();
    await gitlab?.stop();
  }
  if (failed) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
