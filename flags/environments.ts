// The environments a flag can be set in, in rollout order.
export const ENVIRONMENTS = ['dev', 'staging', 'staging-ref', 'production'] as const;

export type Environment = (typeof ENVIRONMENTS)[number];

export const NON_PRODUCTION_ENVIRONMENTS: readonly Environment[] = ['dev', 'staging', 'staging-ref'];

export function isEnvironment(value: string): value is Environment {
  return (ENVIRONMENTS as readonly string[]).includes(value);
}
