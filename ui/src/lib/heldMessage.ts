// What the capture screen says about the picture, held steady: a message
// stays at least `holdMs` on screen, so a card moving in and out of the
// right place does not make the text flicker between two advices.

export class HeldMessage<T> {
  private shown: T | undefined;
  private since = -Infinity;

  constructor(
    private readonly holdMs = 1000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** The message to show when the checks now say `next`. */
  show(next: T): T {
    const t = this.now();
    if (this.shown === undefined || (next !== this.shown && t - this.since >= this.holdMs)) {
      if (next !== this.shown) this.since = t;
      this.shown = next;
    }
    return this.shown;
  }

  /** Whole milliseconds until the message shown may change (0: it may now):
   * rounded up, as a timer set for it fires on a whole millisecond, and one a
   * fraction early would find the message still held. */
  remaining(): number {
    return Math.max(0, Math.ceil(this.holdMs - (this.now() - this.since)));
  }

  /** Forgets what was shown (a new capture starts). */
  reset(): void {
    this.shown = undefined;
    this.since = -Infinity;
  }
}
