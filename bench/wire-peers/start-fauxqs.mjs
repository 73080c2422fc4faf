// Starts fauxqs on a loopback port (run by bench/wire.ts with the Node 22 of this folder) and
// prints {"port": N} once it listens. FAUXQS_BENCH_DATA_DIR set: its SQLite persistence.
import { startFauxqs } from "fauxqs";

const dataDir = process.env.FAUXQS_BENCH_DATA_DIR;
const server = await startFauxqs({
  port: 0,
  logger: false,
  ...(dataDir ? { dataDir } : {}),
});
process.stdout.write(`${JSON.stringify({ port: server.port })}\n`);
process.on("SIGTERM", () => {
  void server.stop().then(() => process.exit(0));
});
