import { describe, expect, it } from 'vitest';
import { memory } from '../../adapters/memory/driver.js';
import { VirtualClock } from '../../adapters/memory/virtual-clock.js';
import { createBus } from '../../core/bus.js';
import { defineQueue, defineTopic } from '../../core/declarations.js';
import { readEnvelope } from '../../core/envelope.js';
import type { ReceivedMessage } from '../../core/message.js';
import { specOf } from '../../core/plan.js';

/** Lets the bus and consumers run (virtual time moves only by `stepMs` per round) until `done()` holds. */
async function until(clock: VirtualClock, done: () => boolean, stepMs = 0, rounds = 200): Promise<void> {
  for (let i = 0; i < rounds && !done(); i++) await clock.advance(stepMs);
  expect(done()).toBe(true);
}

describe('memory twin: through the bus', () => {
  it('send → handler → ack', async () => {
    const clock = new VirtualClock();
    const driver = memory({ clock });
    const billing = defineQueue('billing');
    const bus = createBus({ adapter: driver, clock, declarations: [billing] });
    await bus.provision();
    const seen: ReceivedMessage[] = [];
    bus.consume(billing, async (m) => {
      seen.push(m);
    });
    const receipt = await bus.send(billing, { orderId: 'o-1' }, { attributes: { region: 'eu' } });
    await until(clock, () => seen.length === 1 && driver.inspect('billing').total === 0);
    expect(seen[0]).toMatchObject({
      id: receipt.id,
      body: { orderId: 'o-1' },
      attributes: { region: 'eu' },
      attempt: 1,
      source: 'billing',
    });
    expect(driver.inspect('billing-dlq').total).toBe(0);
    await bus.close();
  });

  it.each([true, false])(
    'retries with backoff, then dead-letters with the envelope (nativeDeadLetter: %s)',
    async (nativeDeadLetter) => {
      const clock = new VirtualClock();
      const driver = memory({ clock, nativeDeadLetter });
      const payments = defineQueue('payments', {
        maxAttempts: 3,
        retry: { initialDelaySeconds: 1, jitter: false },
      });
      const bus = createBus({ adapter: driver, clock, declarations: [payments] });
      await bus.provision();
      const attempts: number[] = [];
      bus.consume(payments, async function charge(m) {
        attempts.push(m.attempt);
        throw new Error('card declined');
      });
      await bus.send(payments, { amount: 5 });
      await until(clock, () => driver.inspect('payments-dlq').total === 1, 500);
      expect(attempts).toEqual([1, 2, 3]);
      expect(driver.inspect('payments').total).toBe(0);
      const dlqSpec = specOf(payments.deadLetter!, driver.capabilities);
      const dlq = driver.openReceiver(dlqSpec, { maxInFlight: 1, leaseSeconds: 30 });
      const [dead] = await dlq.receive(1, { waitSeconds: 0 });
      expect(dead?.body).toBe('{"amount":5}');
      expect(readEnvelope(dead?.attributes ?? {})).toMatchObject({
        reason: 'max-attempts',
        attempts: 3,
        source: 'payments',
        handler: 'charge',
        error: { name: 'Error', message: 'card declined' },
      });
      await bus.close();
    },
  );

  it('a consumer that dies mid-message: the message comes back after the lease', async () => {
    const clock = new VirtualClock();
    const driver = memory({ clock });
    const jobs = defineQueue('jobs', { leaseSeconds: 30 });
    const bus = createBus({ adapter: driver, clock, declarations: [jobs] });
    await bus.provision();
    const attempts: number[] = [];
    let unblock: () => void = () => undefined;
    const blocked = new Promise<void>((resolve) => {
      unblock = resolve;
    });
    bus.consume(
      jobs,
      async (m) => {
        attempts.push(m.attempt);
        if (m.attempt === 1) await blocked; // the first delivery hangs, as if its process froze
      },
      { concurrency: 2 },
    );
    await bus.send(jobs, { id: 1 });
    await until(clock, () => attempts.length === 1);
    expect(driver.faults.crashInFlight('jobs')).toBe(1);
    await until(clock, () => attempts.length === 2, 5_000);
    expect(attempts).toEqual([1, 2]);
    await until(clock, () => driver.inspect('jobs').total === 0);
    unblock(); // the zombie finishes; its ack is refused (LEASE_LOST) and changes nothing
    await clock.advance(0);
    expect(driver.inspect('jobs').total).toBe(0);
    await bus.close();
  });

  it('keeps per-key order and dedups on an ordered, deduplicating queue', async () => {
    const clock = new VirtualClock();
    const driver = memory({ clock });
    const ledger = defineQueue('ledger', { ordering: true, deduplication: { windowSeconds: 60 } });
    const bus = createBus({ adapter: driver, clock, declarations: [ledger] });
    await bus.provision();
    const seen: string[] = [];
    bus.consume(
      ledger,
      async (m) => {
        seen.push(`${m.orderingKey}:${(m.body as { n: number }).n}`);
      },
      { concurrency: 4 },
    );
    for (let n = 0; n < 5; n++) {
      await bus.send(ledger, { n, key: 'a' }, { orderingKey: 'a', dedupId: `a-${n}` });
      await bus.send(ledger, { n, key: 'b' }, { orderingKey: 'b', dedupId: `b-${n}` });
    }
    await bus.send(ledger, { n: 0, key: 'a' }, { orderingKey: 'a', dedupId: 'a-0' }); // duplicate
    await until(clock, () => seen.length >= 10 && driver.inspect('ledger').total === 0);
    expect(seen.filter((s) => s.startsWith('a'))).toEqual(['a:0', 'a:1', 'a:2', 'a:3', 'a:4']);
    expect(seen.filter((s) => s.startsWith('b'))).toEqual(['b:0', 'b:1', 'b:2', 'b:3', 'b:4']);
    await bus.close();
  });

  it('publishes to filtered subscriptions', async () => {
    const clock = new VirtualClock();
    const driver = memory({ clock });
    const placed = defineTopic('order-placed');
    const eu = placed.subscription('eu', { filter: { region: 'eu' } });
    const audit = placed.subscription('audit');
    const bus = createBus({ adapter: driver, clock, declarations: [placed] });
    await bus.provision();
    const euSeen: unknown[] = [];
    const auditSeen: unknown[] = [];
    bus.consume(eu, async (m) => {
      euSeen.push(m.body);
    });
    bus.consume(audit, async (m) => {
      auditSeen.push(m.body);
    });
    await bus.publish(placed, { id: 1 }, { attributes: { region: 'eu' } });
    await bus.publish(placed, { id: 2 }, { attributes: { region: 'us' } });
    await until(clock, () => auditSeen.length === 2 && euSeen.length === 1);
    expect(euSeen).toEqual([{ id: 1 }]);
    await bus.close();
  });
});
