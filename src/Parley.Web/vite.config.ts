import { defineConfig } from "vite";

// The server serves the build from its wwwroot; `npm run dev` proxies the API and hub to a running server.
export default defineConfig({
  build: {
    outDir: "../Parley.Server/wwwroot",
    emptyOutDir: true,
    sourcemap: true,
    target: "es2022",
  },
  server: {
    proxy: {
      "/api": "http://localhost:5080",
      "/hubs": { target: "ws://localhost:5080", ws: true },
    },
  },
});
