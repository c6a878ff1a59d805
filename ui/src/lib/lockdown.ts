// The kiosk window is not a browser: no context menu (its Reload and Back
// would lose the session), no zoom by Ctrl+wheel or pinch, no dragging
// pictures out of the window.

export function lockDown(target: Document): () => void {
  const prevent = (e: Event) => e.preventDefault();
  const wheel = (e: WheelEvent) => {
    if (e.ctrlKey) e.preventDefault();
  };
  const keys = (e: KeyboardEvent) => {
    const zoom = (e.ctrlKey || e.metaKey) && ["+", "-", "=", "0"].includes(e.key);
    const reload = e.key === "F5" || ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "r");
    if (zoom || reload) e.preventDefault();
  };
  target.addEventListener("contextmenu", prevent);
  target.addEventListener("dragstart", prevent);
  target.addEventListener("wheel", wheel, { passive: false });
  target.addEventListener("keydown", keys);
  target.addEventListener("gesturestart", prevent);
  return () => {
    target.removeEventListener("contextmenu", prevent);
    target.removeEventListener("dragstart", prevent);
    target.removeEventListener("wheel", wheel);
    target.removeEventListener("keydown", keys);
    target.removeEventListener("gesturestart", prevent);
  };
}
