// The package as an app imports it (its built .d.ts), as the job files do.
import { type Client, createClient, type HttpSendOptions, type Transport } from "offload";
import { describe, expectTypeOf, it } from "vitest";
import type greeting from "../../examples/jobs/greeting.js";
import type placeOrder from "../../examples/jobs/place-order.js";

// Compile-time checks, run by `npm run typecheck`: each @ts-expect-error fails the
// typecheck if the line it marks ever compiles. Nothing here is sent.
type Jobs = { "place-order": typeof placeOrder; greeting: typeof greeting };
const offload = createClient<Jobs>({ url: "http://localhost:3000" });

describe("createClient's URL mode, typed with `import type` of the job files", () => {
  it("takes the job names and the payloads of their schemas", () => {
    expectTypeOf(offload).toEqualTypeOf<Client<Jobs, HttpSendOptions>>();
    expectTypeOf(offload.send).parameter(0).toEqualTypeOf<"place-order" | "greeting">();
    expectTypeOf(offload.send<"place-order">)
      .parameter(1)
      .toEqualTypeOf<{
        productId: string;
        name: string;
        address: string;
        quantity: number;
      }>();
    // The global fetch, or any function of its shape (a signing one), sends the requests.
    expectTypeOf(createClient<Jobs>({ url: "http://localhost:3000", fetch })).toEqualTypeOf(
      offload,
    );
    expectTypeOf(offload.sendBatch<"greeting">)
      .parameter(1)
      .toEqualTypeOf<ReadonlyArray<{ friendName: string; shouldFail?: boolean | undefined }>>();
  });

  it("refuses an unknown job, a wrong payload, and options HTTP cannot carry", () => {
    // Type positions only: these functions are never called.
    const wrong = () => [
      // @ts-expect-error there is no job "cancel-order"
      offload.send("cancel-order", {}),
      // @ts-expect-error quantity is a number, not a string
      offload.send("place-order", { productId: "p1", name: "A", address: "1", quantity: "2" }),
      // @ts-expect-error address is missing
      offload.send("place-order", { productId: "p1", name: "A", quantity: 2 }),
      // @ts-expect-error friendName is greeting's field, not place-order's
      offload.sendBatch("place-order", [{ friendName: "A" }]),
      // @ts-expect-error the HTTP API carries no trace context
      offload.send("greeting", { friendName: "A" }, { traceparent: "00-a-b-01" }),
      // @ts-expect-error a delay is a duration string
      offload.send("greeting", { friendName: "A" }, { delay: 120 }),
    ];
    const mixed = (transport: Transport) => {
      // A variable, not a literal: no excess-property check, only the types, refuse it.
      const both = { transport, url: "http://localhost:3000" };
      // @ts-expect-error transport and url do not go together
      return createClient<Jobs>(both);
    };
    expectTypeOf(wrong).returns.items.toEqualTypeOf<Promise<string> | Promise<string[]>>();
    expectTypeOf(mixed).toBeFunction();
  });
});
