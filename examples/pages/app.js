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

function show(output, result) {
  output.textContent = describe(result);
  output.className = result.ok ? "ok" : "error";
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
