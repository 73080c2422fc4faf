import { execFile } from "node:child_process";
import { request as httpRequest } from "node:http";
import { ListTopicsCommand, SNSClient } from "@aws-sdk/client-sns";
import {
  GetQueueAttributesCommand,
  ListQueuesCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { afterEach, describe, expect, it } from "vitest";
import { startTestServer } from "../support/server.js";

// The wire endpoint (the SQS and SNS APIs) of a running server with an API key: every request
// needs the key, from loopback too, since a reverse proxy on the same host and a page in a
// local browser (DNS rebinding) both connect from loopback.
const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

const KEY = "wire-s3cret";
const JOBS = { greet: `export default defineJob({ handler: async () => {} });` };

function clients(endpoint: string, accessKeyId: string) {
  const config = {
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId, secretAccessKey: "anything" },
    maxAttempts: 1,
  };
  const sqs = new SQSClient(config);
  const sns = new SNSClient(config);
  cleanups.push(() => {
    sqs.destroy();
    sns.destroy();
  });
  return { sqs, sns };
}

/** One POST over node:http, which sends the Host and Origin given (fetch will not). */
function post(
  url: string,
  path: string,
  headers: Record<string, string>,
  body: string,
): Promise<{ status: number; text: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: hostname, port, method: "POST", path, headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
    });
    request.on("error", reject);
    request.end(body);
  });
}

const LIST_QUEUES = {
  "content-type": "application/x-amz-json-1.0",
  "x-amz-target": "AmazonSQS.ListQueues",
};

function aws(url: string, accessKeyId: string, ...args: string[]) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      "aws",
      ["--endpoint-url", url, "--output", "json", ...args],
      {
        env: {
          ...process.env,
          AWS_ACCESS_KEY_ID: accessKeyId,
          AWS_SECRET_ACCESS_KEY: "anything",
          AWS_DEFAULT_REGION: "us-east-1",
          AWS_MAX_ATTEMPTS: "1",
        },
      },
      (error, stdout, stderr) => resolve({ code: error ? 1 : 0, stdout, stderr }),
    );
  });
}

async function dlqDepth(sqs: SQSClient, queueUrl: string): Promise<string | undefined> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ["ApproximateNumberOfMessages"],
    }),
  );
  return Attributes?.ApproximateNumberOfMessages;
}

describe("the wire endpoint with an API key", () => {
  it("refuses loopback clients without the key, over every protocol, and lets them touch nothing", async () => {
    const { server } = await startTestServer(JOBS, cleanups, { apiKey: KEY });
    const keyed = clients(server.url, KEY);
    const dlqUrl = `${server.url}/000000000000/greet-dlq`;
    await keyed.sqs.send(new SendMessageCommand({ QueueUrl: dlqUrl, MessageBody: "dead" }));
    expect(await dlqDepth(keyed.sqs, dlqUrl)).toBe("1");

    // The SDKs with another access key id: SQS over JSON, SNS over the query protocol.
    const stranger = clients(server.url, "test");
    const refusals = [
      stranger.sqs.send(new PurgeQueueCommand({ QueueUrl: dlqUrl })),
      stranger.sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl })),
      stranger.sns.send(new ListTopicsCommand({})),
    ];
    for (const refusal of refusals) {
      await expect(refusal).rejects.toMatchObject({
        name: "AccessDenied",
        message: expect.stringContaining(
          'requires its API key on every request: use it as the AWS access key id (AWS_ACCESS_KEY_ID) or send Authorization: Bearer <key>; the access key id "test" is not the key',
        ),
        $metadata: { httpStatusCode: 403 },
      });
    }
    // SQS's query protocol, with no credentials, and with a wrong bearer token.
    const form = { "content-type": "application/x-www-form-urlencoded" };
    const purge = `Action=PurgeQueue&QueueUrl=${encodeURIComponent(dlqUrl)}&Version=2012-11-05`;
    const bare = await post(server.url, "/", form, purge);
    expect(bare.status).toBe(403);
    expect(bare.text).toContain("<Code>AccessDenied</Code>");
    expect(bare.text).toContain("the request has no Authorization header");
    const wrong = await post(server.url, "/", { ...form, authorization: `Bearer ${KEY}x` }, purge);
    expect(wrong.status).toBe(403);
    expect(wrong.text).toContain("the bearer token is not the key");
    // A queue's own path, as the query protocol posts to it.
    const atPath = await post(server.url, "/000000000000/greet-dlq", form, "Action=PurgeQueue");
    expect(atPath.status).toBe(403);

    expect(await dlqDepth(keyed.sqs, dlqUrl)).toBe("1");
  });

  it("takes the key as the SDKs' and the AWS CLI's access key id, or as a bearer token", async () => {
    const { server } = await startTestServer(JOBS, cleanups, { apiKey: KEY });
    const port = new URL(server.url).port;
    // The SDKs' own Host headers: 127.0.0.1:PORT and localhost:PORT.
    for (const endpoint of [server.url, `http://localhost:${port}`]) {
      const { sqs, sns } = clients(endpoint, KEY);
      const { QueueUrls } = await sqs.send(new ListQueuesCommand({}));
      expect(QueueUrls?.map((url) => url.split("/").pop())).toEqual(["greet", "greet-dlq"]);
      const { Topics } = await sns.send(new ListTopicsCommand({}));
      expect(Topics?.map((topic) => topic.TopicArn?.split(":").pop())).toEqual(["offload-jobs"]);
    }
    const bearer = await post(
      server.url,
      "/",
      { ...LIST_QUEUES, authorization: `Bearer ${KEY}` },
      "{}",
    );
    expect(bearer.status).toBe(200);

    const cli = await aws(server.url, KEY, "sqs", "list-queues");
    expect(cli.code).toBe(0);
    expect(JSON.parse(cli.stdout).QueueUrls).toHaveLength(2);
    const refused = await aws(server.url, "test", "sqs", "list-queues");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("(AccessDenied)");
    expect(refused.stderr).toContain('the access key id "test" is not the key');
  });

  it("serves requests to any host name with the key, and still refuses writes from other sites", async () => {
    const { server } = await startTestServer(JOBS, cleanups, { apiKey: KEY });
    const port = new URL(server.url).port;
    // A name re-pointed at 127.0.0.1 (DNS rebinding), or a reverse proxy's: the key decides.
    const host = `rebind.attacker.example:${port}`;
    const signed = { ...LIST_QUEUES, host, authorization: `Bearer ${KEY}` };
    expect((await post(server.url, "/", signed, "{}")).status).toBe(200);
    const unsigned = await post(server.url, "/", { ...LIST_QUEUES, host }, "{}");
    expect(unsigned.status).toBe(403);
    expect(JSON.parse(unsigned.text)).toMatchObject({
      __type: "com.amazonaws.sqs#AccessDenied",
      message: expect.stringContaining("the request has no Authorization header"),
    });
    // A page of that name posting to itself is refused too: it has no key to send.
    const page = await post(
      server.url,
      "/",
      { ...LIST_QUEUES, host, origin: `http://${host}` },
      "{}",
    );
    expect(page.status).toBe(403);
    // A page of another site is refused before its key is looked at, as without a key.
    const crossSite = await post(
      server.url,
      "/",
      { ...LIST_QUEUES, origin: "https://evil.example", authorization: `Bearer ${KEY}` },
      "{}",
    );
    expect(crossSite.status).toBe(403);
    expect(JSON.parse(crossSite.text)).toMatchObject({
      __type: "com.amazonaws.sqs#CrossSiteRequest",
      message: expect.stringContaining('A page on "https://evil.example" may not POST'),
    });
  });
});

describe("the wire endpoint without an API key", () => {
  it("refuses other host names and other sites in the protocol's error shape, for the SDKs to show", async () => {
    const { server } = await startTestServer(JOBS, cleanups);
    const port = new URL(server.url).port;
    // The SDK connects to 127.0.0.1 but names another host, as a browser does after DNS rebinding.
    const { sqs, sns } = clients(server.url, "test");
    const renameHost = (request: unknown) => {
      (request as { headers: Record<string, string> }).headers.host =
        `rebind.attacker.example:${port}`;
    };
    const step = { step: "finalizeRequest", priority: "low" } as const;
    sqs.middlewareStack.add(
      (next) => (args) => {
        renameHost(args.request);
        return next(args);
      },
      step,
    );
    sns.middlewareStack.add(
      (next) => (args) => {
        renameHost(args.request);
        return next(args);
      },
      step,
    );
    const notAllowed = {
      name: "HostNotAllowed",
      message: `This app answers requests to localhost, 127.0.0.1, [::1] only; this one was addressed to "rebind.attacker.example:${port}" (set OFFLOAD_API_KEY to serve other names)`,
      $metadata: { httpStatusCode: 403 },
    };
    await expect(sqs.send(new ListQueuesCommand({}))).rejects.toMatchObject(notAllowed);
    await expect(sns.send(new ListTopicsCommand({}))).rejects.toMatchObject(notAllowed);
    // A form posted by a page of another site, to a queue's path.
    const crossSite = await post(
      server.url,
      "/000000000000/greet-dlq",
      { "content-type": "application/x-www-form-urlencoded", origin: "https://evil.example" },
      "Action=PurgeQueue",
    );
    expect(crossSite.status).toBe(403);
    expect(crossSite.text).toContain("<Code>CrossSiteRequest</Code>");
    // The SDKs' own Host headers are served.
    for (const endpoint of [server.url, `http://localhost:${port}`]) {
      const { QueueUrls } = await clients(endpoint, "test").sqs.send(new ListQueuesCommand({}));
      expect(QueueUrls).toHaveLength(2);
    }
    // The HTTP API keeps its own error shape.
    const api = await post(server.url, "/jobs/greet", { host: "rebind.attacker.example" }, "{}");
    expect(JSON.parse(api.text)).toMatchObject({ error: { code: "HostNotAllowed" } });
  });
});
