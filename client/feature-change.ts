// Makes a manual flag change (`feature set|delete`): checks for a running rollout, applies it per environment, audits it.
import type { RedisClient } from '../redis/redis-client';
import { RedisAuditLog, type AuditAction } from '../flags/audit-log';
import type { Environment } from '../flags/environments';
import type { FlagChange } from '../flags/flag-gates';
import type { FlagStore } from '../flags/flag-store';
import { CliError, EXIT_CODES } from './cli-errors';
import { gatesText } from './feature-gates-text';
import { checkRollout, guardManualChange } from './feature-rollout-check';
import type { RolloutClient } from './rollout-client';

export interface ManualChange {
  flag: string;
  action: AuditAction;
  /** `delete` is `{ kind: 'restore', gates: null }`: removed atomically, with the gates it had. */
  change: FlagChange;
  environments: Environment[];
  by: string;
  /** The command in ChatOps form, for the audit trail. */
  command: string;
  force: boolean;
}

export interface ManualChangeResources {
  flagStore(): Promise<FlagStore>;
  redisClient(): Promise<RedisClient>;
  rollouts(): Promise<RolloutClient>;
  readonly config: { flagKeyPrefix: string };
}

/** Applies `change` environment by environment, printing `<env>: <before> → <after>` and appending each to the audit trail. */
export async function makeManualChange(
  request: ManualChange,
  resources: ManualChangeResources,
  io: { stdout: (line: string) => void; stderr: (line: string) => void },
): Promise<void> {
  const check = await checkRollout(() => resources.rollouts(), request.flag);
  guardManualChange(check, request.force, io.stderr);
  const [store, redis] = await Promise.all([resources.flagStore(), resources.redisClient()]);
  const audit = new RedisAuditLog(redis, { prefix: resources.config.flagKeyPrefix });
  for (const env of request.environments) {
    const { previous, current } = await store.apply(request.flag, env, request.change);
    io.stdout(`${env}: ${gatesText(previous)} → ${gatesText(current)}`);
    try {
      await audit.append({
        flag: request.flag,
        env,
        action: request.action,
        by: request.by,
        command: request.command,
        before: previous,
        after: current,
        rollout: check.seen,
        forced: request.force && check.seen !== 'none',
      });
    } catch (err) {
      const rest = request.environments.slice(request.environments.indexOf(env) + 1);
      throw new CliError(
        `${env} was changed but the change is not in the audit trail (${audit.streamKey(request.flag)}): ` +
          `${err instanceof Error ? err.message : String(err)}${rest.length > 0 ? `; ${rest.join(', ')} left unchanged` : ''}`,
        EXIT_CODES.error,
      );
    }
  }
}
