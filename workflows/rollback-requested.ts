// The error that ends the forward path of a rollout and starts its compensating rollback.
import type { RollbackCause } from './rollout-status';

export class RollbackRequested extends Error {
  constructor(
    readonly rollbackCause: RollbackCause,
    message: string,
    readonly by?: string,
  ) {
    super(message);
    this.name = this.constructor.name;
  }
}
