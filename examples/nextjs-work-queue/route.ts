// app/api/contact/route.ts in a Next.js app, from the published "work queue"
// design: the form handler puts the work on an SQS queue with the plain AWS
// SDK and answers at once; an offload job does the work. Locally the queue is
// offload's (`npm start` serves the SQS API on http://localhost:3000); on AWS
// the same code talks to SQS.
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";

const endpoint = process.env.SQS_ENDPOINT ?? "http://localhost:3000";
const queueUrl = process.env.CONTACT_QUEUE_URL ?? `${endpoint}/000000000000/contact-form`;

const sqs = new SQSClient({
  endpoint,
  region: process.env.AWS_REGION ?? "us-east-1",
  // Locally any credentials do; on AWS leave these out and use the default chain.
  credentials: {
    accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? "local",
    secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? "local",
  },
});

export async function POST(request: Request): Promise<Response> {
  const form = await request.formData();
  const email = String(form.get("email") ?? "").trim();
  const message = String(form.get("message") ?? "").trim();
  if (!email || !message) {
    return Response.json({ error: "email and message are required" }, { status: 400 });
  }
  const { MessageId } = await sqs.send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: JSON.stringify({ email, message }),
      MessageAttributes: { jobName: { DataType: "String", StringValue: "contact-form" } },
    }),
  );
  return Response.json({ messageId: MessageId }, { status: 202 });
}
