// The package as an app imports it (its built .d.ts), as the job files do.
import { createClient, type JobStatus, type Transport } from "offload";
import { describe, expectTypeOf, it } from "vitest";
import type greeting from "../../examples/jobs/greeting.js";
import type placeOrder from "../../examples/jobs/place-order.js";

// Compile-time checks, run by `npm run typecheck`: each @ts-expect-error fails the
// typecheck if the line it marks ever compiles. Nothing here is sent or read: every call
// sits in a function that is never called.
type Jobs = { "place-order": typeof placeOrder; greeting: typeof greeting };
type GreetingPayload = { friendName: string; shouldFail?: boolean | undefined };
type OrderPayload = { productId: string; name: string; address: string; quantity: number };

const overHttp = createClient<Jobs>({ url: "http://localhost:3000" });
const inProcess = (transport: Transport) => createClient<Jobs>({ transport });

describe("getJob(jobName, id): the status typed as a job of that name", () => {
  it("types the payload as the payload send takes for the job, over HTTP and in process", () => {
    expectTypeOf(() => overHttp.getJob("greeting", "id")).returns.resolves.toEqualTypeOf<
      JobStatus<GreetingPayload>
    >();
    expectTypeOf(() => overHttp.getJob("place-order", "id"))
      .returns.resolves.toHaveProperty("payload")
      .toEqualTypeOf<OrderPayload | undefined>();
    const typed = (transport: Transport) => inProcess(transport).getJob("greeting", "id");
    expectTypeOf(typed).returns.resolves.toEqualTypeOf<JobStatus<GreetingPayload>>();
  });

  it("leaves getJob(id) untyped: payload unknown", () => {
    expectTypeOf(() => overHttp.getJob("id")).returns.resolves.toEqualTypeOf<JobStatus>();
    expectTypeOf(() => overHttp.getJob("id"))
      .returns.resolves.toHaveProperty("payload")
      .toBeUnknown();
  });

  it("refuses a job name the client does not have, and an id that is not a string", () => {
    // Type positions only: these functions are never called.
    const wrong = (transport: Transport) => [
      // @ts-expect-error there is no job "cancel-order"
      overHttp.getJob("cancel-order", "id"),
      // @ts-expect-error there is no job "cancel-order"
      inProcess(transport).getJob("cancel-order", "id"),
      // @ts-expect-error a job id is a string
      overHttp.getJob("greeting", 42),
      // @ts-expect-error a job id is a string
      overHttp.getJob(42),
    ];
    const misread = async () => {
      const job = await overHttp.getJob("greeting", "id");
      // @ts-expect-error a greeting's payload has no quantity
      return job.payload?.quantity;
    };
    expectTypeOf(wrong).toBeFunction();
    expectTypeOf(misread).toBeFunction();
  });
});
