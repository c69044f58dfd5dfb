/**
 * The demo's handlers: checkout publishes `order-placed` and hands the order to billing; billing charges (a declined
 * card fails every attempt, so that order ends in the dead-letter queue with its reason); inventory reserves;
 * shipping ships. The email, analytics and audit subscriptions each record what they saw.
 */
import { randomInt } from 'node:crypto';
import type { Bus } from '../core/index.js';
import type { Declarations, Order } from './declarations.js';

/** What the demo observed, for the summary. */
export interface Tally {
  checkedOut: string[];
  duplicatesAbsorbed: string[];
  charged: string[];
  reserved: string[];
  shipped: string[];
  notified: { email: string[]; analytics: string[]; audit: string[] };
  deadLetters: { orderId: string; queue: string; reason: string; attempts: number; error: string }[];
  billingAttempts: Map<string, number>;
}

/** An empty tally. */
export function newTally(): Tally {
  return {
    checkedOut: [],
    duplicatesAbsorbed: [],
    charged: [],
    reserved: [],
    shipped: [],
    notified: { email: [], analytics: [], audit: [] },
    deadLetters: [],
    billingAttempts: new Map(),
  };
}

/** Starts every consumer of the pipeline; returns them for shutdown. */
export function startPipeline(
  bus: Bus,
  d: Declarations,
  tally: Tally,
  idempotent: ReturnType<typeof import('../core/index.js').idempotency>,
) {
  return [
    bus.consume(
      d.checkout,
      async function checkout(m) {
        const order = m.body as Order;
        tally.checkedOut.push(order.orderId);
        await bus.publish(
          d.orderPlaced,
          { orderId: order.orderId, customer: order.customer, total: order.total },
          { attributes: { notify: order.customer.endsWith('@mail.test') ? 'email' : 'none' } },
        );
        await bus.send(d.billing, order);
      },
      { concurrency: 4, middleware: [idempotent] },
    ),
    bus.consume(
      d.billing,
      async function bill(m) {
        const order = m.body as Order;
        tally.billingAttempts.set(order.orderId, m.attempt);
        if (order.card === 'declined') throw new Error(`card declined for ${order.orderId}`);
        tally.charged.push(order.orderId);
        await bus.send(d.inventory, order);
      },
      { concurrency: 4 },
    ),
    bus.consume(
      d.inventory,
      async function reserve(m) {
        tally.reserved.push((m.body as Order).orderId);
        await bus.send(d.shipping, m.body as Order);
      },
      { concurrency: 4 },
    ),
    bus.consume(
      d.shipping,
      async function ship(m) {
        // a little simulated work
        await new Promise((resolve) => setTimeout(resolve, randomInt(5, 25)));
        tally.shipped.push((m.body as Order).orderId);
      },
      { concurrency: 4 },
    ),
    bus.consume(
      d.email,
      async (m) => void tally.notified.email.push((m.body as { orderId: string }).orderId),
    ),
    bus.consume(
      d.analytics,
      async (m) => void tally.notified.analytics.push((m.body as { orderId: string }).orderId),
    ),
    bus.consume(
      d.audit,
      async (m) => void tally.notified.audit.push((m.body as { orderId: string }).orderId),
    ),
    // The dead-letter queue is a queue like any other: read it to show what landed there and why.
    bus.consume(d.billing.deadLetter!, async function inspectDeadLetter(m) {
      const envelope = m.deadLetter;
      tally.deadLetters.push({
        orderId: (m.body as Order).orderId,
        queue: d.billing.deadLetter!.name,
        reason: envelope?.reason ?? 'unknown',
        attempts: envelope?.attempts ?? 0,
        error: envelope?.error ? `${envelope.error.name}: ${envelope.error.message}` : '',
      });
    }),
  ];
}

/** The orders the demo checks out; `o-2` is submitted twice (a client retry with a new message id). */
export function demoOrders(): Order[] {
  const item = (sku: string, quantity = 1) => ({ sku, quantity });
  return [
    { orderId: 'o-1', customer: 'ada@mail.test', items: [item('BK-1')], total: 42, card: 'visa' },
    { orderId: 'o-2', customer: 'grace@corp.test', items: [item('BK-2', 2)], total: 30, card: 'visa' },
    { orderId: 'o-3', customer: 'alan@mail.test', items: [item('PN-7')], total: 7.5, card: 'amex' },
    { orderId: 'o-4', customer: 'kurt@corp.test', items: [item('BK-9')], total: 99, card: 'declined' },
    { orderId: 'o-5', customer: 'emmy@corp.test', items: [item('BK-3', 3)], total: 61, card: 'visa' },
  ];
}
