import { defineJob } from "offload";
import { z } from "zod";

/** "<field> is required" when it is missing, "<field> must be <what>" when it is of another type. */
const field = (name: string, what: string) => ({
  error: (issue: { input: unknown }) =>
    issue.input === undefined ? `${name} is required` : `${name} must be ${what}`,
});

// The order form's route handler (app/api/orders/route.ts) sends this job and
// answers at once; offload runs it, locally and on AWS. The schema is the
// server-side validation: a payload that fails it is refused with 422 before
// it is queued, naming each field.
export default defineJob({
  schema: z.object({
    productId: z.string(field("productId", "a string")).min(1, "productId is required"),
    name: z.string(field("name", "a string")).trim().min(1, "name is required"),
    address: z.string(field("address", "a string")).trim().min(1, "address is required"),
    quantity: z
      .number(field("quantity", "a number"))
      .int("quantity must be a whole number")
      .positive("quantity must be at least 1"),
  }),
  timeout: "10s",
  handler: async (order, ctx) => {
    ctx.logger.info(
      { productId: order.productId, quantity: order.quantity },
      `Order placed for ${order.name}`,
    );
  },
});
