import { defineConfig } from "offload";

// `npx offload dev` serves the jobs API on http://localhost:3001, beside
// `npx next dev` on :3000; the route handler reaches it through OFFLOAD_URL.
export default defineConfig({
  app: "nextjs-order-form", // the AWS stack is nextjs-order-form-<stage>
  jobs: "jobs",
  database: ".offload/offload.db",
  port: 3001,
});
