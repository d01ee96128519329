// Applies what replies say in the order their commands were sent on one Redis connection, whatever order the
// promises of those replies settle in.

/**
 * Redis runs a connection's commands in the order they were sent, and their replies come back in that order; but
 * ioredis settles the promise of a MULTI a few microtasks after that of a plain command or script, so when both
 * replies are read together (a busy thread) a later command's continuation runs first. State learnt from replies
 * (a list's length) must then be applied by ticket: take one when the command is sent, apply with it when its reply
 * (or error) is in.
 */
export class ReplyOrder {
  private sent = 0;
  private applied = 0;
  private readonly waiting = new Map<number, () => void>();

  /** A ticket for a command sent now (call it in the same synchronous step that sends the command). */
  ticket(): number {
    return ++this.sent;
  }

  /**
   * Runs `effect` once the effects of every earlier ticket have run (at once if they have) and resolves with its
   * result. An effect that throws rejects its own promise only; later tickets still run.
   */
  apply<T>(ticket: number, effect: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(ticket, () => {
        try {
          resolve(effect());
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
      for (let next = this.waiting.get(this.applied + 1); next; next = this.waiting.get(this.applied + 1)) {
        this.waiting.delete(++this.applied);
        next();
      }
    });
  }
}
