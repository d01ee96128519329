// `rollout approve|reject|abort`: checks the message with the workflow's own schema, sends it as an update, reports.
import { Command, Option } from 'commander';
import { READINESS_ITEMS, READINESS_ITEM_IDS } from '../plan/readiness-items';
import { parseMessage, type MessageKind } from '../workflows/message-schemas';
import { GATES } from '../workflows/rollout-status';
import { escapeUnsafe } from '../workflows/safe-text';
import { duration } from './cli-arguments';
import { UsageError } from './cli-errors';
import type { RolloutClient } from './rollout-client';

const DEFAULT_WAIT = '30s';

interface DecisionOptions {
  gate?: string;
  by: string;
  comment?: string;
  confirm?: string;
  reason?: string;
  wait: number;
}

/** The three decision commands; `rollouts` opens the Temporal connection on first use. */
export function decisionCommands(rollouts: () => Promise<RolloutClient>, print: (line: string) => void): Command[] {
  const send = async <K extends MessageKind>(kind: K, flag: string, raw: Record<string, unknown>, waitMs: number, done: string) => {
    // Undefined fields are simply absent, as they would be in JSON.
    const payload = Object.fromEntries(Object.entries(raw).filter(([, value]) => value !== undefined));
    const parsed = parseMessage(kind, payload);
    if (!parsed.ok) throw new UsageError(`${kind}: ${parsed.problems.join('; ')}`);
    await (await rollouts()).send(flag, kind, parsed.message, waitMs);
    print(done);
  };
  const wait = () => new Option('--wait <duration>', 'how long to wait for the workflow to take it').argParser(duration).default(duration(DEFAULT_WAIT), DEFAULT_WAIT);

  const approve = new Command('approve')
    .description('approve the pending gate; waits for the rollout to take it and says whether it did')
    .argument('<flag>')
    .addOption(new Option('--gate <gate>', 'the gate to approve').choices(GATES).makeOptionMandatory())
    .requiredOption('--by <user>', 'who approves (an approver of the plan, not the requester)')
    .option('--comment <text>', 'QA result or note (one line)')
    .option('--confirm <items>', `readiness items confirmed, comma-separated (global-readiness): ${READINESS_ITEM_IDS.join(',')}`)
    .addOption(wait())
    .addHelpText('after', `\nReadiness items:\n${READINESS_ITEM_IDS.map((id) => `  ${id.padEnd(18)} ${READINESS_ITEMS[id]}`).join('\n')}`)
    .action((flag: string, opts: DecisionOptions) =>
      send('approve', flag, { gate: opts.gate, by: opts.by, comment: opts.comment, confirmed: splitItems(opts.confirm) }, opts.wait, `${opts.gate} approved by ${escapeUnsafe(opts.by)}`),
    );

  const reject = new Command('reject')
    .description('reject the pending gate; the rollout rolls back')
    .argument('<flag>')
    .addOption(new Option('--gate <gate>', 'the gate to reject').choices(GATES).makeOptionMandatory())
    .requiredOption('--by <user>', 'who rejects (an approver or the requester)')
    .requiredOption('--reason <text>', 'why (one line)')
    .addOption(wait())
    .action((flag: string, opts: DecisionOptions) =>
      send('reject', flag, { gate: opts.gate, by: opts.by, reason: opts.reason }, opts.wait, `${opts.gate} rejected by ${escapeUnsafe(opts.by)}; rolling back`),
    );

  const abort = new Command('abort')
    .description('abort a rollout at any stage; every touched environment is restored (requester, approvers and operators only)')
    .argument('<flag>')
    .requiredOption('--by <user>', 'who aborts')
    .requiredOption('--reason <text>', 'why (one line)')
    .addOption(wait())
    .action((flag: string, opts: DecisionOptions) =>
      send('abort', flag, { by: opts.by, reason: opts.reason }, opts.wait, `abort by ${escapeUnsafe(opts.by)} taken; rolling back`),
    );

  return [approve, reject, abort];
}

/** `--confirm a,b` as a list; unknown items are left for the message schema to name. */
function splitItems(text: string | undefined): string[] | undefined {
  return text === undefined ? undefined : text.split(',').map((item) => item.trim()).filter(Boolean);
}
