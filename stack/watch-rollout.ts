// The demo's follower: `rollout watch`'s own follower and line printer, plus answering each gate through a callback.
import { followRollout } from '../client/follow-rollout';
import type { RolloutClient } from '../client/rollout-client';
import { watchPrinter } from '../client/watch-printer';
import { FINAL_STATES, type GateName, type RolloutStatus } from '../workflows/rollout-status';

export interface WatchOptions {
  print: (line: string) => void;
  /** Called once each time a gate opens; resolve after deciding it. */
  onGate?: (gate: GateName, status: RolloutStatus) => Promise<void>;
  pollMs?: number;
}

/** Prints a line whenever the rollout changes and resolves with the final status once it has ended. */
export async function watchRollout(rollouts: RolloutClient, flag: string, options: WatchOptions): Promise<RolloutStatus> {
  let answeredGateAt: string | null = null;
  const final = await followRollout(rollouts, flag, {
    intervalMs: options.pollMs ?? 250,
    show: watchPrinter((text) => options.print(text.trimEnd()), false),
    onStatus: async (status) => {
      if (!status.pendingGate || !options.onGate || status.gateDeadline === answeredGateAt) return;
      answeredGateAt = status.gateDeadline;
      await options.onGate(status.pendingGate, status);
    },
  });
  if (final.status && FINAL_STATES.includes(final.status.state)) return final.status;
  throw new Error(final.ended?.reason ?? `the rollout of ${flag} ended without a final state`);
}
