// The tail of an outbox list that this process pushed itself, kept in memory so that sending needs no read back.
//
// The Redis list is an unknown head (events left by an earlier process, or not mirrored) followed by the mirrored
// tail. Every reply that states the list's length is checked against that picture (replies on one connection come
// in the order the commands ran); on a mismatch or an error the mirror is dropped and learnt again from the next length.

export class OutboxMirror {
  private entries: string[] = [];
  private head = 0;
  /** Entries in Redis before the mirrored tail; undefined while not known. */
  private unknown: number | undefined;
  /** The outbox's trim counter after the last push: the epoch of a page taken from the mirror. */
  private trimCounter: string | undefined;

  constructor(private readonly maxEntries: number) {}

  /** Entries mirrored now. */
  size(): number {
    return this.entries.length - this.head;
  }

  /** A push of `batch` succeeded: it is the list's new tail; `trimmed` entries then left the head. */
  pushed(batch: readonly string[], trimmed: number, trimCounter: string, length: number): void {
    if (this.unknown !== undefined) for (const entry of batch) this.entries.push(entry);
    this.trimCounter = trimCounter;
    this.removedFromHead(trimmed);
    this.learn(length);
  }

  /** `removed` entries left the head of the list, which is now `length` long. */
  removed(removed: number, length: number): void {
    this.removedFromHead(removed);
    this.learn(length);
  }

  /** The list's length, read with nothing else changing it in between (LLEN). */
  learn(length: number): void {
    if (this.unknown === undefined) {
      // Nothing is mirrored while unknown: the whole list is the unknown head.
      this.clear();
      this.unknown = length;
    } else if (this.unknown + this.size() !== length) {
      this.clear();
      this.unknown = length;
    }
    const excess = this.size() - this.maxEntries;
    if (excess > 0) {
      this.head += excess;
      this.unknown += excess;
    }
    this.compact();
  }

  /** A command failed (it may or may not have run): nothing is known until the next length. */
  forget(): void {
    this.clear();
    this.unknown = undefined;
  }

  /**
   * Up to `count` entries at `offset`, counted from the head as it was at `epoch` (a trim counter; '' for now) as the
   * outbox's read script counts; undefined unless the whole head is mirrored.
   */
  page(epoch: string, offset: number, count: number): { epoch: string; entries: string[] } | undefined {
    if (this.unknown !== 0 || this.trimCounter === undefined || this.size() === 0) return undefined;
    const at = epoch === '' ? this.trimCounter : epoch;
    const from = this.head + Math.max(0, offset - (Number(this.trimCounter) - Number(at)));
    return { epoch: at, entries: this.entries.slice(from, Math.min(this.entries.length, from + count)) };
  }

  private removedFromHead(n: number): void {
    if (this.unknown === undefined || n <= 0) return;
    const fromUnknown = Math.min(this.unknown, n);
    this.unknown -= fromUnknown;
    this.head += Math.min(this.size(), n - fromUnknown);
  }

  private clear(): void {
    this.entries = [];
    this.head = 0;
  }

  /** Drops the consumed front of the array once it is most of it. */
  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }
}
