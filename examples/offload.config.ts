import { defineConfig } from "offload";

// The demo app: `npm start` in the repository serves it on http://localhost:3000.
export default defineConfig({
  app: "offload-demo", // the AWS stack is offload-demo-<stage>
  jobs: "jobs",
  database: ".offload/offload.db",
  port: 3000,
  pages: "pages",
});
