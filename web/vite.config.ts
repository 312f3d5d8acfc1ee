import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The gateway serves the build: index.html for /support/** and /admin/**, hashed files under /assets/.
// `npm run dev` proxies the API and the WebSocket to a gateway on :8080.
export default defineConfig({
  base: "/",
  plugins: [react()],
  build: { outDir: "dist", assetsDir: "assets", sourcemap: false },
  server: {
    proxy: {
      "/api": "http://127.0.0.1:8080",
      "/ws": { target: "ws://127.0.0.1:8080", ws: true },
    },
  },
});
