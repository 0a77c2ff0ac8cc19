/**
 * The generator's clock: `onTick(frameIndex, slot)` runs `slots` times per frame interval, so endpoints
 * spread over the slots do not all send at once. A late timer skips the ticks it missed rather than
 * bursting them, as a real encoder would drop frames; lateFrames counts the frames lost that way.
 */
export class SlotClock {
  #timer: NodeJS.Timeout | undefined;
  #tickIndex = 0;
  #startedAt = 0;
  lateFrames = 0;

  constructor(
    private readonly frameMs: number,
    readonly slots: number,
    private readonly onTick: (frameIndex: number, slot: number) => void,
  ) {}

  start(): void {
    this.#startedAt = performance.now();
    this.#tick();
  }

  stop(): void {
    clearTimeout(this.#timer);
  }

  #tick(): void {
    const subInterval = this.frameMs / this.slots;
    const due = Math.floor((performance.now() - this.#startedAt) / subInterval);
    if (due - this.#tickIndex > this.slots) this.lateFrames += Math.floor((due - this.#tickIndex) / this.slots);
    this.#tickIndex = Math.max(this.#tickIndex, due);
    this.onTick(Math.floor(this.#tickIndex / this.slots), this.#tickIndex % this.slots);
    this.#tickIndex++;
    const next = this.#startedAt + this.#tickIndex * subInterval - performance.now();
    this.#timer = setTimeout(() => this.#tick(), Math.max(0, next));
  }
}
