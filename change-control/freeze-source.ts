// Where the worker learns of a change freeze or an active incident: an HTTP endpoint answering {active, reason, until}.

/** No freeze, or one with its reason and (when known) its end. */
export type FreezeState = { active: false } | { active: true; reason: string; until: string | null };

export interface FreezeSource {
  /** The current freeze state; throws when the source cannot be read (the rollout then holds: unknown is not "no"). */
  check(): Promise<FreezeState>;
}

/** Never frozen: the source when none is configured. */
export const NO_FREEZE_SOURCE: FreezeSource = { check: () => Promise.resolve({ active: false }) };

const REQUEST_TIMEOUT_MS = 5000;

/**
 * GET `url` answering JSON `{"active": true|false, "reason"?: string, "until"?: ISO 8601}` (e.g. a small service in front
 * of the change-lock calendar or the incident tracker). Only the host is named in errors: the URL may carry a token.
 */
export function httpFreezeSource(url: string): FreezeSource {
  const host = new URL(url).host;
  return {
    async check() {
      let response: Response;
      try {
        response = await fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      } catch (error) {
        throw new Error(`freeze source ${host} unreachable: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (!response.ok) throw new Error(`freeze source ${host} answered HTTP ${response.status}`);
      const body = (await response.json().catch(() => null)) as { active?: unknown; reason?: unknown; until?: unknown } | null;
      if (body === null || typeof body.active !== 'boolean') throw new Error(`freeze source ${host} did not answer {"active": true|false, …}`);
      if (!body.active) return { active: false };
      const until = typeof body.until === 'string' && !Number.isNaN(Date.parse(body.until)) ? new Date(body.until).toISOString() : null;
      return { active: true, reason: typeof body.reason === 'string' && body.reason ? body.reason.slice(0, 500) : 'change freeze active', until };
    },
  };
}
