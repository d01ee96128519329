// Follows a running rollout: prints each new step and stage change, and answers gates through a callback.
import type { RolloutClient } from '../client/rollout-client';
import { formatGuardDecision, formatStep } from '../client/format-status';
import { FINAL_STATES, type GateName, type RolloutStatus } from '../workflows/rollout-status';

export interface WatchOptions {
  print: (line: string) => void;
  /** Called once each time a gate opens; resolve after deciding it. */
  onGate?: (gate: GateName, status: RolloutStatus) => Promise<void>;
  pollMs?: number;
}

/** Resolves with the final status once the rollout has ended. */
export async function watchRollout(rollouts: RolloutClient, flag: string, options: WatchOptions): Promise<RolloutStatus> {
  let printedSteps = 0;
  let printedChecks = 0;
  let answeredGateAt: string | null = null;
  for (;;) {
    const status = await rollouts.status(flag);
    const lines = status.steps.slice(printedSteps).map((step) => ({ at: step.at, text: formatStep(step) }));
    printedSteps = status.steps.length;
    const newChecks = Math.min(status.guard.checks - printedChecks, status.guard.decisions.length);
    for (const d of newChecks > 0 ? status.guard.decisions.slice(-newChecks) : []) {
      lines.push({ at: d.at, text: `${d.at}  ${'volume guard'.padEnd(17)}  ${formatGuardDecision(d)}` });
    }
    printedChecks = status.guard.checks;
    for (const line of lines.sort((a, b) => a.at.localeCompare(b.at))) options.print(line.text);
    if (FINAL_STATES.includes(status.state)) return status;
    if (status.pendingGate && options.onGate && status.gateDeadline !== answeredGateAt) {
      answeredGateAt = status.gateDeadline;
      await options.onGate(status.pendingGate, status);
      continue;
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 250));
  }
}
