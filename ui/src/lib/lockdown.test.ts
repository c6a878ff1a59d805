import { describe, expect, it } from "vitest";
import { lockDown } from "./lockdown";

class FakeDocument {
  listeners = new Map<string, (e: Event) => void>();
  addEventListener(type: string, fn: (e: Event) => void) {
    this.listeners.set(type, fn);
  }
  removeEventListener(type: string) {
    this.listeners.delete(type);
  }
  fire(type: string, init: Record<string, unknown> = {}): boolean {
    let prevented = false;
    const event = { ...init, preventDefault: () => (prevented = true) } as unknown as Event;
    this.listeners.get(type)?.(event);
    return prevented;
  }
}

describe("lockDown", () => {
  it("refuses the context menu, zoom and reload, and lets typing through", () => {
    const doc = new FakeDocument();
    const release = lockDown(doc as unknown as Document);
    expect(doc.fire("contextmenu")).toBe(true);
    expect(doc.fire("wheel", { ctrlKey: true })).toBe(true);
    expect(doc.fire("wheel", { ctrlKey: false })).toBe(false);
    expect(doc.fire("keydown", { key: "+", ctrlKey: true })).toBe(true);
    expect(doc.fire("keydown", { key: "F5" })).toBe(true);
    expect(doc.fire("keydown", { key: "r", ctrlKey: true })).toBe(true);
    expect(doc.fire("keydown", { key: "r" })).toBe(false);
    expect(doc.fire("keydown", { key: "0" })).toBe(false);
    release();
    expect(doc.listeners.size).toBe(0);
  });
});
