// Flipper's percentage-of-actors rule: a stable hash bucket per flag and actor, so actors stay in as the ramp grows.
import { crc32 } from 'node:zlib';

/** Flipper scales percentages by 1000 so fractional percentages (e.g. 0.5) work. */
const SCALING_FACTOR = 1000;
const BUCKETS = 100 * SCALING_FACTOR;

/** The actor's bucket for this flag, 0–99999: `crc32(flag + actorId) % 100000` (UTF-8 bytes, as Ruby's Zlib). */
export function actorBucket(flag: string, actorId: string): number {
  return crc32(flag + actorId) % BUCKETS;
}

/**
 * True when the percentage-of-actors gate at `percentage` (0–100) opens for `actorId`.
 * 0 never opens and 100 always opens; the bucket does not depend on the percentage, so the rule is monotonic.
 */
export function isInPercentageOfActors(flag: string, actorId: string, percentage: number): boolean {
  // Rounding keeps e.g. 2.007 * 1000 (= 2007.0000000000002) from letting bucket 2007 in.
  return actorBucket(flag, actorId) < Math.round(percentage * SCALING_FACTOR);
}
