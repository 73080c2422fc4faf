"use client";

import { type FormEvent, useState } from "react";
import { checkOrder, type OrderFields, type OrderResponse } from "../lib/order";

type Status =
  | { kind: "idle" }
  | { kind: "sending" }
  | { kind: "sent"; jobId: string }
  | { kind: "failed"; message: string };

const FIELDS: Array<{ name: keyof OrderFields; label: string }> = [
  { name: "name", label: "Name" },
  { name: "address", label: "Delivery address" },
  { name: "quantity", label: "Quantity" },
];

export function OrderForm({ productId }: { productId: string }) {
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [status, setStatus] = useState<Status>({ kind: "idle" });

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const value = (key: string) => String(data.get(key) ?? "");
    const found = checkOrder({
      name: value("name"),
      address: value("address"),
      quantity: value("quantity"),
    });
    setErrors(found);
    if (Object.keys(found).length > 0) {
      setStatus({ kind: "idle" });
      return;
    }
    setStatus({ kind: "sending" });
    let body: OrderResponse;
    try {
      const response = await fetch("/api/orders", { method: "POST", body: data });
      body = (await response.json()) as OrderResponse;
    } catch {
      setStatus({ kind: "failed", message: "The order could not be sent; please try again" });
      return;
    }
    if ("jobId" in body) {
      setStatus({ kind: "sent", jobId: body.jobId });
      form.reset();
      return;
    }
    const fields = body.error.fields ?? {};
    setErrors(fields);
    // The server's own words for anything the form has no field for (productId).
    const other = Object.entries(fields)
      .filter(([name]) => !FIELDS.some((f) => f.name === name))
      .map(([, message]) => message);
    setStatus({ kind: "failed", message: [body.error.message, ...other].join(": ") });
  }

  return (
    <form onSubmit={submit} noValidate aria-label="Order">
      <input type="hidden" name="productId" defaultValue={productId} />
      {FIELDS.map(({ name, label }) => (
        <div className="field" key={name}>
          <label htmlFor={name}>{label}</label>
          {name === "address" ? (
            <textarea
              id={name}
              name={name}
              rows={3}
              aria-invalid={errors[name] ? true : undefined}
              aria-describedby={errors[name] ? `${name}-error` : undefined}
            />
          ) : (
            <input
              id={name}
              name={name}
              type={name === "quantity" ? "number" : "text"}
              inputMode={name === "quantity" ? "numeric" : undefined}
              min={name === "quantity" ? 1 : undefined}
              step={name === "quantity" ? 1 : undefined}
              defaultValue={name === "quantity" ? "1" : undefined}
              autoComplete={name === "name" ? "name" : undefined}
              aria-invalid={errors[name] ? true : undefined}
              aria-describedby={errors[name] ? `${name}-error` : undefined}
            />
          )}
          {errors[name] ? (
            <p className="error" id={`${name}-error`}>
              {errors[name]}
            </p>
          ) : null}
        </div>
      ))}
      <button type="submit" disabled={status.kind === "sending"}>
        {status.kind === "sending" ? "Placing order…" : "Place order"}
      </button>
      <div role="status" aria-live="polite">
        {status.kind === "sent" ? (
          <p className="success">
            Order received: job <code>{status.jobId}</code> is queued.
          </p>
        ) : null}
        {status.kind === "failed" ? <p className="error">{status.message}</p> : null}
      </div>
    </form>
  );
}
