// Shared by the form (client) and the route handler (server). The job's schema
// (jobs/place-order.ts) stays the authority: these checks only spare the user
// a round trip, and the route handler repeats none of them.

/** The form's fields. */
export interface OrderFields {
  name: string;
  address: string;
  quantity: string;
}

/** What POST /api/orders answers: the queued job's id, or what went wrong. */
export type OrderResponse =
  | { jobId: string }
  | { error: { code: string; message: string; fields?: Record<string, string> } };

/** A message per invalid field; empty when the order can be sent. */
export function checkOrder(order: OrderFields): Partial<Record<keyof OrderFields, string>> {
  const errors: Partial<Record<keyof OrderFields, string>> = {};
  if (!order.name.trim()) errors.name = "Please enter your name";
  if (!order.address.trim()) errors.address = "Please enter a delivery address";
  const quantity = Number(order.quantity);
  if (!/^\s*\d+\s*$/.test(order.quantity) || !Number.isInteger(quantity) || quantity < 1) {
    errors.quantity = "Please enter a whole number of at least 1";
  }
  return errors;
}
