// The published "work queue" design: the order form posts here, this handler
// queues a place-order job with offload's typed client and answers at once;
// the job does the work. Locally the jobs API is `offload dev` (OFFLOAD_URL);
// on AWS it is the deployed app's API URL.
import { createClient, InvalidPayloadError, OffloadError } from "offload";
// Types only: the payload's type comes from the job's schema, and no job code
// is bundled into the Next.js app.
import type placeOrder from "../../../jobs/place-order";
import type { OrderResponse } from "../../../lib/order";

const offload = createClient<{ "place-order": typeof placeOrder }>({
  url: process.env.OFFLOAD_URL ?? "http://localhost:3001",
  apiKey: process.env.OFFLOAD_API_KEY,
});

export async function POST(request: Request): Promise<Response> {
  let form: FormData;
  try {
    form = await request.formData();
  } catch {
    return answer(400, {
      error: {
        code: "InvalidRequest",
        message: "Send the order as form data (multipart/form-data or urlencoded)",
      },
    });
  }
  const text = (key: string) => {
    const value = form.get(key);
    return typeof value === "string" ? value : "";
  };
  try {
    // Server-side validation is the job's schema: the offload app checks the
    // payload against it and refuses it (422, per field) before queueing.
    const jobId = await offload.send("place-order", {
      productId: text("productId"),
      name: text("name"),
      address: text("address"),
      // "" and "abc" become 0 and NaN (sent as null): the schema names either.
      quantity: Number(text("quantity")),
    });
    return answer(202, { jobId });
  } catch (e) {
    if (e instanceof InvalidPayloadError) {
      const fields: Record<string, string> = {};
      for (const issue of e.issues) fields[issue.path] ??= issue.message;
      return answer(422, {
        error: { code: e.code, message: "Some fields need another look", fields },
      });
    }
    if (e instanceof OffloadError) {
      // Unreachable, refused (a wrong OFFLOAD_API_KEY) or failing: the user can only retry.
      console.error(e);
      return answer(502, {
        error: { code: e.code, message: "The order could not be queued; please try again" },
      });
    }
    throw e;
  }
}

function answer(status: number, body: OrderResponse): Response {
  return Response.json(body, { status });
}
