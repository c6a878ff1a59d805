import { defineConfig } from "vitest/config";
import { svelte } from "@sveltejs/vite-plugin-svelte";

export default defineConfig({
  plugins: [svelte()],
  // The app icon is drawn once, in ../icons; the UI shows the same drawing.
  server: { fs: { allow: [".."] }, strictPort: true, port: 5173 },
  clearScreen: false,
  build: {
    target: "safari15",
    // Keep assets as files: the CSP allows no inline data for scripts and styles.
    assetsInlineLimit: 0,
    cssCodeSplit: false,
  },
  test: {
    include: ["src/**/*.test.ts"],
    environment: "node",
  },
});
