// `rollout approve|reject|abort|pause|resume`: checks the message with the workflow's own schema, signs it, sends it as an update.
import type { KeyObject } from 'node:crypto';
import { Command, Option } from 'commander';
import { READINESS_ITEMS, READINESS_ITEM_IDS } from '../plan/readiness-items';
import { signedDecisionOf } from '../signing/decision-signature';
import { findSigningKey, SIGNING_KEY_ENV } from '../signing/find-signing-key';
import { KEYS_DIR_ENV } from '../signing/key-directory';
import { newNonce, signDecision } from '../signing/sign-decision';
import { SigningKeyError } from '../signing/signing-key-error';
import { parseMessage, type MessageKind, type MessagePayloads } from '../workflows/message-schemas';
import { GATES } from '../workflows/rollout-status';
import { escapeUnsafe } from '../workflows/safe-text';
import { duration } from './cli-arguments';
import { UsageError } from './cli-errors';
import type { RolloutClient } from './rollout-client';
import { rolloutRunId } from './rollout-run-id';

const DEFAULT_WAIT = '30s';

interface DecisionOptions {
  gate?: string;
  by: string;
  comment?: string;
  confirm?: string;
  reason?: string;
  mr?: string;
  wait: number;
  key?: string;
  unsigned?: boolean;
}

/**
 * The six decision commands; `rollouts` opens the Temporal connection on first use, `warn` prints to stderr and `env`
 * names the signing key (ROLLOUT_SIGNING_KEY) or the key directory (ROLLOUT_KEYS_DIR).
 */
export function decisionCommands(
  rollouts: () => Promise<RolloutClient>,
  print: (line: string) => void,
  warn: (line: string) => void = print,
  env: NodeJS.ProcessEnv = process.env,
): Command[] {
  const send = async <K extends MessageKind>(kind: K, flag: string, raw: Record<string, unknown>, opts: DecisionOptions, done: string) => {
    // Undefined fields are simply absent, as they would be in JSON.
    const payload = Object.fromEntries(Object.entries(raw).filter(([, value]) => value !== undefined));
    const parsed = parseMessage(kind, payload);
    if (!parsed.ok) throw new UsageError(`${kind}: ${parsed.problems.join('; ')}`);
    // The key first: a missing one is a usage error whether or not Temporal can be reached.
    const key = opts.unsigned ? null : signingKey(parsed.message.by, opts.key);
    const client = await rollouts();
    const message = key === null ? parsed.message : await sign(kind, flag, parsed.message, key, client);
    await client.send(flag, kind, message, opts.wait);
    print(done);
  };

  const signingKey = (by: string, keyFile: string | undefined): KeyObject => {
    const lookup = keyProblem(() => findSigningKey(by, { keyFile, env }));
    if (lookup.found) return lookup.key.privateKey;
    throw new UsageError(
      `no signing key for ${escapeUnsafe(by)}: looked at ${lookup.looked.join(', ')}. ` +
        `Make one with \`rollout keys generate --name ${escapeUnsafe(by)}\` and have its public key listed in the plan's signing.keys, ` +
        `or name a key file with --key <file> or ${SIGNING_KEY_ENV}. A rollout whose plan is keyless takes --unsigned.`,
    );
  };

  /** The message with its `signature`, signed for this rollout's first run id. */
  const sign = async <K extends MessageKind>(kind: K, flag: string, message: MessagePayloads[K], key: KeyObject, client: RolloutClient) => {
    const run = await rolloutRunId(client.handle(flag), flag);
    if (run.source === 'current-run-id') {
      warn(
        `warning: the Temporal server does not report the rollout's first run id; signing for the current run ${run.runId}, ` +
          'which the rollout accepts only if it has not continued as new',
      );
    }
    const stamp = { signedAt: new Date().toISOString(), nonce: newNonce() };
    const value = signDecision(signedDecisionOf(kind, { flag, run: run.runId }, message, stamp), key);
    const withSignature = parseMessage(kind, { ...message, signature: { ...stamp, value } });
    if (!withSignature.ok) throw new Error(`the signed ${kind} does not meet the message schema: ${withSignature.problems.join('; ')}`);
    return withSignature.message;
  };

  const wait = () => new Option('--wait <duration>', 'how long to wait for the workflow to take it').argParser(duration).default(duration(DEFAULT_WAIT), DEFAULT_WAIT);
  const signing = (command: Command) =>
    command
      .option('--key <file>', `private key to sign with (default: $${SIGNING_KEY_ENV}, else <key directory>/<by>.key; key directory: $${KEYS_DIR_ENV} or ~/.config/rollout/keys)`)
      .option('--unsigned', 'send without a signature (only a keyless plan takes it)')
      .addOption(wait());
  const act =
    <K extends MessageKind>(kind: K, fields: (opts: DecisionOptions) => Record<string, unknown>, done: (opts: DecisionOptions) => string) =>
    (flag: string, opts: DecisionOptions) => {
      if (opts.unsigned && opts.key) throw new UsageError('--unsigned and --key contradict each other: give one');
      return send(kind, flag, fields(opts), opts, done(opts));
    };

  const approve = signing(
    new Command('approve')
      .description('approve the pending gate (signed with your key); waits for the rollout to take it and says whether it did')
      .argument('<flag>')
      .addOption(new Option('--gate <gate>', 'the gate to approve').choices(GATES).makeOptionMandatory())
      .requiredOption('--by <user>', 'who approves (an approver of the plan, not the requester)')
      .option('--comment <text>', 'QA result or note (one line)')
      .option('--confirm <items>', `readiness items confirmed, comma-separated (global-readiness): ${READINESS_ITEM_IDS.join(',')}`),
  )
    .addHelpText('after', `\nReadiness items:\n${READINESS_ITEM_IDS.map((id) => `  ${id.padEnd(18)} ${READINESS_ITEMS[id]}`).join('\n')}`)
    .action(
      act(
        'approve',
        (opts) => ({ gate: opts.gate, by: opts.by, comment: opts.comment, confirmed: splitItems(opts.confirm) }),
        (opts) => `${opts.gate} approved by ${escapeUnsafe(opts.by)}`,
      ),
    );

  const reject = signing(
    new Command('reject')
      .description('reject the pending gate (signed with your key); the rollout rolls back')
      .argument('<flag>')
      .addOption(new Option('--gate <gate>', 'the gate to reject').choices(GATES).makeOptionMandatory())
      .requiredOption('--by <user>', 'who rejects (an approver or the requester)')
      .requiredOption('--reason <text>', 'why (one line)'),
  ).action(
    act(
      'reject',
      (opts) => ({ gate: opts.gate, by: opts.by, reason: opts.reason }),
      (opts) => `${opts.gate} rejected by ${escapeUnsafe(opts.by)}; rolling back`,
    ),
  );

  const byAndReason = (name: string, description: string, who: string) =>
    signing(new Command(name).description(description).argument('<flag>').requiredOption('--by <user>', who).requiredOption('--reason <text>', 'why (one line)'));

  const abort = byAndReason(
    'abort',
    'abort a rollout at any stage (signed with your key); every touched environment is restored (requester, approvers and operators only)',
    'who aborts',
  ).action(
    act(
      'abort',
      (opts) => ({ by: opts.by, reason: opts.reason }),
      (opts) => `abort by ${escapeUnsafe(opts.by)} taken; rolling back`,
    ),
  );

  const pause = byAndReason('pause', 'pause a rollout where it stands (signed with your key) until someone resumes it', 'who pauses').action(
    act(
      'pause',
      (opts) => ({ by: opts.by, reason: opts.reason }),
      (opts) => `paused by ${escapeUnsafe(opts.by)}; the rollout holds where it is until resumed`,
    ),
  );

  const resume = byAndReason('resume', 'resume a paused rollout (signed with your key)', 'who resumes').action(
    act(
      'resume',
      (opts) => ({ by: opts.by, reason: opts.reason }),
      (opts) => `resumed by ${escapeUnsafe(opts.by)}; the rollout goes on`,
    ),
  );

  const cleanup = signing(
    new Command('cleanup')
      .description('name the flag-removal merge request the cleanup stage waits for (signed with your key); once it is deployed everywhere the flag is deleted after the cleanup gate')
      .argument('<flag>')
      .requiredOption('--mr <reference>', 'the merge request, e.g. gitlab-org/gitlab!123')
      .requiredOption('--by <user>', 'who sends it (requester, approvers and operators)'),
  ).action(
    act(
      'cleanup',
      (opts) => ({ by: opts.by, mr: opts.mr }),
      (opts) => `cleanup will wait for ${escapeUnsafe(opts.mr ?? '')}`,
    ),
  );

  return [approve, reject, abort, pause, resume, cleanup];
}

/** Runs a key lookup; a key file that cannot be used is a usage error (exit 2) with its message. */
function keyProblem<T>(work: () => T): T {
  try {
    return work();
  } catch (err) {
    if (err instanceof SigningKeyError) throw new UsageError(err.message);
    throw err;
  }
}

/** `--confirm a,b` as a list; unknown items are left for the message schema to name. */
function splitItems(text: string | undefined): string[] | undefined {
  return text === undefined ? undefined : text.split(',').map((item) => item.trim()).filter(Boolean);
}
