/**
 * The demo's declarations: an order pipeline (checkout → billing → inventory → shipping queues) and an
 * `order-placed` topic fanned out to email, analytics and audit subscriptions. The same declarations drive the
 * runtime, `provision()` and (infra/cdk) the deployed topology.
 */
import { z } from 'zod';
import { defineQueue, defineTopic } from '../core/index.js';

export const Order = z.object({
  orderId: z.string().min(1),
  customer: z.string().min(1),
  items: z.array(z.object({ sku: z.string(), quantity: z.number().int().positive() })).min(1),
  total: z.number().nonnegative(),
  card: z.string(),
});
export type Order = z.infer<typeof Order>;

export const OrderPlaced = z.object({ orderId: z.string(), customer: z.string(), total: z.number() });

/** Short, deterministic retries so the demo finishes in seconds on every adapter. */
const retry = { initialDelaySeconds: 0, maxDelaySeconds: 1, jitter: false } as const;

export function declarations(prefix = 'demo') {
  const checkout = defineQueue(`${prefix}-checkout`, {
    schema: Order,
    maxAttempts: 3,
    retry,
    leaseSeconds: 30,
  });
  const billing = defineQueue(`${prefix}-billing`, {
    schema: Order,
    maxAttempts: 3,
    retry,
    leaseSeconds: 30,
  });
  const inventory = defineQueue(`${prefix}-inventory`, {
    schema: Order,
    maxAttempts: 3,
    retry,
    leaseSeconds: 30,
  });
  const shipping = defineQueue(`${prefix}-shipping`, {
    schema: Order,
    maxAttempts: 3,
    retry,
    leaseSeconds: 30,
  });
  const orderPlaced = defineTopic(`${prefix}-order-placed`, { schema: OrderPlaced });
  const email = orderPlaced.subscription('email', { filter: { notify: 'email' }, retry, maxAttempts: 5 });
  const analytics = orderPlaced.subscription('analytics', { retry, maxAttempts: 5 });
  const audit = orderPlaced.subscription('audit', { retry, maxAttempts: 5 });
  return { checkout, billing, inventory, shipping, orderPlaced, email, analytics, audit };
}
export type Declarations = ReturnType<typeof declarations>;
