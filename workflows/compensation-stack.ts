// A saga's undo list: compensations pushed after (or just before) each change, run newest first.

export interface Compensation {
  label: string;
  run: () => Promise<void>;
}

export class CompensationStack {
  private readonly items: Compensation[] = [];

  push(label: string, run: () => Promise<void>): void {
    this.items.push({ label, run });
  }

  get size(): number {
    return this.items.length;
  }

  /** Runs every compensation newest first; one failure does not stop the rest. Returns the failures. */
  async unwind(): Promise<{ label: string; error: unknown }[]> {
    const failures: { label: string; error: unknown }[] = [];
    while (this.items.length > 0) {
      const item = this.items.pop() as Compensation;
      try {
        await item.run();
      } catch (error) {
        failures.push({ label: item.label, error });
      }
    }
    return failures;
  }
}
