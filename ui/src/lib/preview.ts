// The live preview as a stream: one loop fetches frames back to back, another
// draws the newest frame fetched whenever it is free. Fetching never waits for
// drawing, so a slow screen skips frames instead of queueing them.

export interface PreviewFrame {
  seq: number;
  blob: Blob;
}

export interface PreviewSource {
  /** The next frame after `after`, at about `width` pixels wide; null on a failed request. */
  next(after: number, width: number): Promise<PreviewFrame | null>;
  /** Draws `blob`; false when it could not be decoded. */
  draw(blob: Blob): Promise<boolean>;
  /** The width the preview is shown at, in device pixels. */
  width(): number;
  /** Waits before asking again after a failed request. */
  pause(): Promise<void>;
}

export class PreviewStream {
  private running = false;
  /** Bumped on every start: a fetch loop of an earlier start ends at its next frame. */
  private generation = 0;
  private newest: Blob | null = null;
  private drawing = false;
  /** Frames fetched and drawn since the stream started. */
  fetched = 0;
  drawn = 0;

  constructor(
    private readonly source: PreviewSource,
    private readonly onDrawn: (drawn: number) => void = () => undefined,
  ) {}

  get isRunning(): boolean {
    return this.running;
  }

  /** Starts fetching and drawing (once: a second start while running does nothing). */
  start(): Promise<void> {
    if (this.running) return Promise.resolve();
    this.running = true;
    this.generation += 1;
    return this.fetchLoop(this.generation);
  }

  /** Stops at the next frame; the last frame drawn stays on screen. */
  stop(): void {
    this.running = false;
    this.newest = null;
  }

  private async fetchLoop(generation: number): Promise<void> {
    const current = () => this.running && this.generation === generation;
    let seq = 0;
    while (current()) {
      const frame = await this.source.next(seq, this.source.width());
      if (!current()) break;
      if (!frame) {
        // The camera is stopping or restarting: ask again shortly.
        await this.source.pause();
        continue;
      }
      seq = frame.seq;
      this.fetched += 1;
      this.newest = frame.blob;
      void this.drawNewest();
    }
  }

  private async drawNewest(): Promise<void> {
    if (this.drawing) return;
    this.drawing = true;
    try {
      while (this.newest && this.running) {
        const blob = this.newest;
        this.newest = null;
        if (await this.source.draw(blob)) {
          this.drawn += 1;
          this.onDrawn(this.drawn);
        }
      }
    } finally {
      this.drawing = false;
    }
  }
}

/** Draws preview frames into `canvas`, sized to each frame. */
export function canvasSource(
  canvas: () => HTMLCanvasElement | undefined,
  next: (after: number, width: number) => Promise<PreviewFrame | null>,
): PreviewSource {
  return {
    next,
    width: () => (canvas()?.clientWidth || 960) * (window.devicePixelRatio || 1),
    pause: () => new Promise((resolve) => setTimeout(resolve, 50)),
    async draw(blob) {
      const bitmap = await createImageBitmap(blob).catch(() => null);
      if (!bitmap) return false;
      const c = canvas();
      if (c) {
        if (c.width !== bitmap.width) c.width = bitmap.width;
        if (c.height !== bitmap.height) c.height = bitmap.height;
        c.getContext("2d")?.drawImage(bitmap, 0, 0);
      }
      bitmap.close();
      return true;
    },
  };
}
