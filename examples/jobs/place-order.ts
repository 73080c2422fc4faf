import { defineJob } from "offload";
import { z } from "zod";

// An order form's handler hands the order to this job and answers at once.
export default defineJob({
  schema: z.object({
    productId: z.string().min(1, "productId is required"),
    name: z.string().trim().min(1, "name is required"),
    address: z.string().trim().min(1, "address is required"),
    quantity: z
      .number()
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
