import { describe, expect, it } from "vitest";
import { PreviewStream, type PreviewSource } from "./preview";

/** A camera that has frame n ready at once, and a screen that takes `drawMs` per frame. */
function source(frames: number, drawMs: number, log: string[]): PreviewSource & { asked: number[] } {
  let n = 0;
  const asked: number[] = [];
  return {
    asked,
    async next(after) {
      asked.push(after);
      await new Promise((r) => setTimeout(r, 1));
      if (n >= frames) return null;
      n += 1;
      return { seq: n, blob: new Blob([String(n)]) };
    },
    async draw(blob) {
      log.push(await blob.text());
      await new Promise((r) => setTimeout(r, drawMs));
      return true;
    },
    width: () => 640,
    pause: () => new Promise((r) => setTimeout(r, 5)),
  };
}

describe("PreviewStream", () => {
  it("asks for the frame after the last one it got", async () => {
    const drawn: string[] = [];
    const s = source(5, 0, drawn);
    const stream = new PreviewStream(s);
    void stream.start();
    await new Promise((r) => setTimeout(r, 60));
    stream.stop();
    expect(s.asked.slice(0, 5)).toEqual([0, 1, 2, 3, 4]);
    expect(stream.fetched).toBe(5);
  });

  it("a slow screen skips frames instead of queueing them, and draws the newest", async () => {
    const drawn: string[] = [];
    let release: () => void = () => undefined;
    const screenFree = new Promise<void>((r) => (release = r));
    const s = source(30, 0, drawn);
    // The first frame takes until every frame has been fetched to draw.
    const draw = s.draw;
    s.draw = async (blob) => {
      const ok = await draw(blob);
      if (drawn.length === 1) await screenFree;
      return ok;
    };
    const stream = new PreviewStream(s);
    void stream.start();
    while (stream.fetched < 30) await new Promise((r) => setTimeout(r, 2));
    expect(drawn).toEqual(["1"]);
    release();
    await new Promise((r) => setTimeout(r, 20));
    stream.stop();
    expect(drawn).toEqual(["1", "30"]);
    expect(stream.drawn).toBe(2);
  });

  it("stops drawing when stopped, and starts once", async () => {
    const drawn: string[] = [];
    const s = source(1000, 5, drawn);
    const stream = new PreviewStream(s);
    void stream.start();
    void stream.start();
    await new Promise((r) => setTimeout(r, 30));
    stream.stop();
    const at = drawn.length;
    await new Promise((r) => setTimeout(r, 40));
    expect(drawn.length).toBeLessThanOrEqual(at + 1);
    expect(stream.isRunning).toBe(false);
    // One fetch loop: each frame was asked for once.
    expect(new Set(s.asked).size).toBe(s.asked.length);
  });

  it("stopped and started again while a request is out, one loop goes on", async () => {
    const drawn: string[] = [];
    const s = source(1000, 0, drawn);
    const stream = new PreviewStream(s);
    void stream.start();
    stream.stop();
    void stream.start();
    await new Promise((r) => setTimeout(r, 30));
    stream.stop();
    // One loop asks 0, 1, 2, …; a second one would ask some frame twice.
    expect(new Set(s.asked.slice(1)).size).toBe(s.asked.length - 1);
  });
});
