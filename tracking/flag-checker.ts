// The hot-path question the tracking path asks: is this flag on for this actor here? Answered from memory.
import type { Environment } from '../flags/environments';

export interface FlagChecker {
  /** Synchronous: implementations answer from in-process state, never with a round trip. */
  isEnabled(flag: string, env: Environment, actorId?: string): boolean;
}
