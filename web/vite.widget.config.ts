import { defineConfig } from "vite";

// The chat widget: one self-contained IIFE, dist/widget.js, built after the app (so it keeps dist).
// Its CSS is a string put into the widget's Shadow DOM; no React, no i18next.
export default defineConfig({
  publicDir: false,
  build: {
    outDir: "dist",
    emptyOutDir: false,
    sourcemap: false,
    lib: {
      entry: "src/widget/widget.ts",
      name: "DvikaChatWidget",
      formats: ["iife"],
      fileName: () => "widget.js",
    },
  },
});
