// The demo page's script: posts jobs the way any web app would, and shows the answer.

/** POST /jobs; resolves with { ok, status, body }. */
export async function postJob(jobName, payload) {
  const response = await fetch("/jobs", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jobName, payload }),
  });
  const body = await response.json().catch(() => ({}));
  return { ok: response.ok, status: response.status, body };
}

/** The text the page shows for an answer: the job id, or the error and its fields. */
export function describe(result) {
  if (result.ok) return `Accepted (${result.status}): job ${result.body.jobId}`;
  const error = result.body.error ?? {};
  const issues = error.details?.issues ?? [];
  const fields = issues.map((i) => `${i.path || "payload"}: ${i.message}`).join("; ");
  return `Refused (${result.status} ${error.code ?? "error"}): ${fields || error.message || "no details"}`;
}

/** GET /jobs/:id; resolves with the job's status, or undefined if it cannot be read. */
export async function getJob(jobId) {
  const response = await fetch(`/jobs/${encodeURIComponent(jobId)}`);
  return response.ok ? response.json() : undefined;
}

/** The line the page shows for a job's status: its state, and what its attempts came to. */
export function describeStatus(job) {
  const attempts = job.attempts.length;
  const last = job.attempts.at(-1);
  const parts = [`${job.state}`];
  if (attempts > 0) parts.push(`${attempts} attempt${attempts === 1 ? "" : "s"}`);
  if (job.state === "retrying" && job.runAt) {
    parts.push(`next at ${new Date(job.runAt).toLocaleTimeString([], { hour12: false })}`);
  }
  if (job.state === "failed") parts.push("in the dead-letter queue");
  if (last?.error) parts.push(`last error: ${last.error.message}`);
  if (job.progress) {
    const { value } = job.progress;
    parts.push(typeof value === "number" ? `${value}%` : `${value.done}/${value.total}`);
  }
  return parts.join(" · ");
}

/** States after which the page stops watching: the job ended, or waits in the DLQ. */
const SETTLED = new Set(["succeeded", "failed", "cancelled", "expired", "deleted"]);

/**
 * Shows a job's status under its answer until it settles: read every second (a small first
 * step; the dashboard streams it).
 */
async function watch(output, jobId) {
  const status = document.createElement("span");
  status.className = "status";
  output.append(document.createElement("br"), "Status: ", status);
  for (;;) {
    const job = await getJob(jobId).catch(() => undefined);
    if (job) {
      status.textContent = describeStatus(job);
      status.dataset.state = job.state;
      if (SETTLED.has(job.state)) return;
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

function show(output, result) {
  output.textContent = describe(result);
  output.className = result.ok ? "ok" : "error";
  if (result.ok && result.body.jobId) void watch(output, result.body.jobId);
}

function wire() {
  const task = document.getElementById("task");
  const resizeResult = document.getElementById("resize-result");
  document.getElementById("submit-job").addEventListener("click", async () => {
    show(resizeResult, await postJob("resize-image", { task: task.value }));
  });
  document.getElementById("submit-failing-job").addEventListener("click", async () => {
    show(resizeResult, await postJob("resize-image", { task: task.value, fail: true }));
  });
  const form = document.getElementById("order-form");
  const orderResult = document.getElementById("order-result");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const quantity = data.get("quantity");
    const order = {
      productId: String(data.get("productId") ?? ""),
      name: String(data.get("name") ?? ""),
      address: String(data.get("address") ?? ""),
      quantity: quantity === "" ? undefined : Number(quantity),
    };
    show(orderResult, await postJob("place-order", order));
  });
}

if (typeof document !== "undefined") wire();
