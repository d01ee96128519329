// Parses and samples a weighted mix of event names, e.g. "i_code_review_mr_diffs:3,g_edit_by_web_ide:1".

export interface WeightedEvent {
  event: string;
  weight: number;
}

/** RedisHLL events of the kind routed to Snowplow behind route_hll_to_snowplow_*, weighted roughly by frequency. */
export const DEFAULT_EVENT_MIX: readonly WeightedEvent[] = [
  { event: 'i_code_review_user_mr_diffs_viewed', weight: 5 },
  { event: 'i_quickactions_approve', weight: 3 },
  { event: 'g_edit_by_web_ide', weight: 2 },
  { event: 'i_ci_secrets_management_vault_build_created', weight: 1 },
  { event: 'p_ci_templates_implicit_auto_devops', weight: 1 },
];

const EVENT_NAME = /^[a-z][a-z0-9_]*$/;

export function parseEventMix(text: string): WeightedEvent[] {
  const mix = text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const [event = '', weightText = '1'] = part.split(':');
      const weight = Number(weightText);
      if (!EVENT_NAME.test(event)) throw new Error(`event mix: ${JSON.stringify(event)} is not an event name (lowercase letters, digits, _)`);
      if (!Number.isFinite(weight) || weight <= 0) throw new Error(`event mix: weight ${JSON.stringify(weightText)} of ${event} must be a positive number`);
      return { event, weight };
    });
  if (mix.length === 0) throw new Error('event mix: name at least one event, e.g. "g_edit_by_web_ide:1"');
  return mix;
}

/** Returns a sampler that picks an event with probability proportional to its weight. */
export function eventSampler(mix: readonly WeightedEvent[], random: () => number = Math.random): () => string {
  const total = mix.reduce((sum, e) => sum + e.weight, 0);
  return () => {
    let pick = random() * total;
    for (const entry of mix) {
      pick -= entry.weight;
      if (pick < 0) return entry.event;
    }
    return mix[mix.length - 1]!.event;
  };
}
