import { describe, expect, it } from "vitest";
import { HeldMessage } from "./heldMessage";

describe("HeldMessage", () => {
  function clock() {
    let t = 0;
    return { now: () => t, advance: (ms: number) => (t += ms) };
  }

  it("shows the first message at once", () => {
    const c = clock();
    const held = new HeldMessage<string>(1000, c.now);
    expect(held.show("no_document")).toBe("no_document");
  });

  it("holds a message for a second before the next one replaces it", () => {
    const c = clock();
    const held = new HeldMessage<string>(1000, c.now);
    held.show("document_too_far");
    c.advance(300);
    expect(held.show("good")).toBe("document_too_far");
    expect(held.remaining()).toBe(700);
    c.advance(400);
    expect(held.show("document_too_far")).toBe("document_too_far");
    c.advance(300);
    expect(held.show("good")).toBe("good");
    // The new message is held in turn.
    c.advance(999);
    expect(held.show("glare")).toBe("good");
    c.advance(1);
    expect(held.show("glare")).toBe("glare");
  });

  it("a timer set for the time remaining lets the next message through", () => {
    let t = 0.3;
    const held = new HeldMessage<string>(1000, () => t);
    held.show("auto");
    t = 300.5;
    expect(held.show("no_document")).toBe("auto");
    // A timer fires on a whole millisecond, on time at best.
    t += Math.trunc(held.remaining());
    expect(held.show("no_document")).toBe("no_document");
  });

  it("a message repeated does not restart its time", () => {
    const c = clock();
    const held = new HeldMessage<string>(1000, c.now);
    held.show("too_dark");
    for (let i = 0; i < 12; i += 1) {
      c.advance(100);
      held.show("too_dark");
    }
    expect(held.show("good")).toBe("good");
  });

  it("starts afresh after a reset", () => {
    const c = clock();
    const held = new HeldMessage<string>(1000, c.now);
    held.show("glare");
    held.reset();
    expect(held.show("good")).toBe("good");
  });
});
