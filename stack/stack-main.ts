// `npm start`: keeps an embedded stack (Redis, Temporal dev server with UI, worker) up for manual rollouts.
import { resolve } from 'node:path';
import { Runtime } from '@temporalio/worker';
import { Command } from 'commander';
import { createLogger, temporalLogger } from '../worker/logger';
import { startEmbeddedStack } from './embedded-stack';

async function main(): Promise<void> {
  const opts = new Command('stack')
    .option('--state-dir <dir>', 'where Temporal history and Redis data persist', resolve(__dirname, '..', '.tools', 'state'))
    .option('--in-memory', 'keep nothing after the stack stops')
    .parse()
    .opts<{ stateDir: string; inMemory?: boolean }>();
  Runtime.install({ logger: temporalLogger(createLogger('warn', 'stack'), 'WARN') });
  console.log('starting the embedded stack…');
  const stack = await startEmbeddedStack({
    ui: true,
    standardPorts: true,
    stateDir: opts.inMemory ? undefined : opts.stateDir,
    log: (line) => console.log(`  ${line}`),
  });
  const flag = 'route_hll_to_snowplow_phase3';
  console.log(`
Stack is up${opts.inMemory ? ' (in memory)' : ` (state in ${opts.stateDir})`}. In another shell:

  ${stack.cliEnv}
  npx rollout start ${flag} --plan plans/demo.yaml --requested-by mikolaj_wawrzyniak
  npx rollout status ${flag}
  npx rollout approve ${flag} --gate staging-qa --by alice --comment "QA passed on staging"
  npx rollout approve ${flag} --gate production-qa --by bob
  npx rollout approve ${flag} --gate global-readiness --by alice --confirm milestone,change-management,oncall-2h,docs,announcement,breaking-changes,support-notified
  npx rollout traffic --rate 100 --duration 5m      # events through the tracking path to the collector (${stack.collector.url}/micro/all)
  npx rollout abort ${flag} --by alice --reason "error rate up"
  npx rollout feature get ${flag}

Temporal UI: ${stack.uiUrl ?? '(headless)'}
Press Ctrl-C to stop.`);
  await new Promise<void>((resolveSignal) => {
    process.once('SIGINT', resolveSignal);
    process.once('SIGTERM', resolveSignal);
  });
  console.log('stopping…');
  await stack.stop();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
