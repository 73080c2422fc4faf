import { OrderForm } from "./order-form";

export default function Home() {
  return (
    <main>
      <h1>Order a mug</h1>
      <p className="lead">
        The form posts to <code>/api/orders</code>, which queues a <code>place-order</code> job with
        offload and answers at once.
      </p>
      <OrderForm productId="mug-classic" />
    </main>
  );
}
