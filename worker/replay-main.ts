// `npm run replay -- --address <host:port>`: replays the running rollouts of a server against this code (exit 1 on a mismatch).
import { Client, Connection } from '@temporalio/client';
import { Command } from 'commander';
import { loadConfig } from '../config/load-config';
import { temporalConnectionOptions } from '../config/temporal-connection-options';
import { replayRollouts, RUNNING_ROLLOUTS_QUERY } from './replay-running-rollouts';
import { installQuietRuntime } from './install-quiet-runtime';

async function main(): Promise<number> {
  const config = loadConfig();
  const opts = new Command('replay')
    .description('replay the histories of running rollouts against this checkout before deploying it as the new worker')
    .option('--address <host:port>', 'Temporal frontend', config.temporal.address)
    .option('--namespace <namespace>', 'Temporal namespace', config.temporal.namespace)
    .option('--query <visibility query>', 'which workflows to replay', RUNNING_ROLLOUTS_QUERY)
    .parse()
    .opts<{ address: string; namespace: string; query: string }>();
  installQuietRuntime();
  let connection: Connection;
  try {
    connection = await Connection.connect({ ...temporalConnectionOptions({ ...config, temporal: { ...config.temporal, address: opts.address } }), connectTimeout: '5s' });
  } catch (err) {
    console.error(`cannot reach Temporal at ${opts.address}: ${err instanceof Error ? err.message : String(err)}`);
    return 5;
  }
  try {
    const outcomes = await replayRollouts(new Client({ connection, namespace: opts.namespace }), opts.query);
    for (const { workflowId, error } of outcomes) console.log(error ? `FAILS   ${workflowId}: ${error}` : `replays ${workflowId}`);
    const failed = outcomes.filter((o) => o.error !== null).length;
    console.log(
      outcomes.length === 0
        ? `no workflows match ${JSON.stringify(opts.query)} on ${opts.address}`
        : `${outcomes.length - failed} of ${outcomes.length} replay with this code${failed ? `; do not deploy it: ${failed} would break (patch the change with patched(), see docs/versioning.md)` : ''}`,
    );
    return failed ? 1 : 0;
  } finally {
    await connection.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
