/**
 * `npm start` for now: the embedded engine is built, the HTTP server, runtime
 * and dashboard are not yet. This opens the app's database, shows one job's
 * worth of traffic going through a queue, and says what is there.
 */
import { createEngine } from "../src/engine/index.js";

const path = process.env.OFFLOAD_DB ?? ".offload/offload.db";
const engine = createEngine({ path });
try {
  const { QueueUrl } = await engine.sqs.createQueue({ QueueName: "greeting" });
  const sent = await engine.sqs.sendMessage({
    QueueUrl,
    MessageBody: JSON.stringify({ friendName: "Hank" }),
    MessageAttributes: { jobName: { DataType: "String", StringValue: "greeting" } },
  });
  const { Messages = [] } = await engine.sqs.receiveMessage({ QueueUrl, WaitTimeSeconds: 1 });
  for (const message of Messages) {
    await engine.sqs.deleteMessage({ QueueUrl, ReceiptHandle: message.ReceiptHandle });
  }
  console.log(`offload engine: database ${path}`);
  console.log(`  sent ${sent.MessageId} to ${QueueUrl}, received and deleted ${Messages.length}`);
  console.log(
    "  The HTTP API, the job runtime and the dashboard on http://localhost:3000 are not built yet;",
  );
  console.log("  see README.md for what works today.");
} finally {
  await engine.close();
}
