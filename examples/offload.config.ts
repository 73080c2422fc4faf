import { defineConfig } from "offload";

// The demo app: `npm start` in the repository serves it on http://localhost:3000.
export default defineConfig({
  jobs: "jobs",
  database: ".offload/offload.db",
  port: 3000,
  pages: "pages",
});
