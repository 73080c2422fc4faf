/** `offload.config.ts`: everything optional; environment variables override the file. */
export interface OffloadConfig {
  /** The jobs folder, relative to the config file. @defaultValue "jobs" */
  jobs?: string;
  /** The SQLite database file. @defaultValue ".offload/offload.db" */
  database?: string;
  /** @defaultValue 3000 */
  port?: number;
  /** Listening beyond loopback requires `apiKey`. @defaultValue "127.0.0.1" */
  host?: string;
  /** @defaultValue "full" for `offload start`, "relaxed" for `offload dev` */
  durability?: "full" | "relaxed";
  /** POSTs DLQ alarm changes here. */
  alertWebhook?: string;
  /** Bearer token required on /jobs and /api/*. */
  apiKey?: string;
  /** Origins allowed by CORS. @defaultValue none (CORS off) */
  corsOrigins?: string[];
  /** Largest request body in bytes. @defaultValue 1048576 */
  bodyLimit?: number;
  /** A folder of static pages served at /. @defaultValue none */
  pages?: string;
  /** @defaultValue "info" */
  logLevel?: "debug" | "info" | "warn" | "error";
}

/** A typed config file. @example export default defineConfig({ jobs: "jobs", port: 3000 }); */
export function defineConfig(config: OffloadConfig): OffloadConfig {
  return config;
}
