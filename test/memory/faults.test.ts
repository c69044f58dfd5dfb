import { describe, expect, it } from 'vitest';
import { memory } from '../../adapters/memory/driver.js';
import { seededRandom } from '../../adapters/memory/random.js';
import { LEASE_LOST } from '../../adapters/memory/store.js';
import { VirtualClock } from '../../adapters/memory/virtual-clock.js';
import { OmnibusError, TransportError, ValidationError } from '../../core/errors.js';
import { msg, queueSpec } from './helpers.js';

async function setup(random?: () => number) {
  const clock = new VirtualClock(0);
  const driver = memory({ clock, ...(random ? { random } : {}) });
  const spec = queueSpec('q', { leaseSeconds: 10 });
  await driver.provision({ queues: [spec, queueSpec('other')], topics: [], subscriptions: [] });
  const receiver = driver.openReceiver(spec, { maxInFlight: 10, leaseSeconds: 10 });
  return { clock, driver, spec, receiver };
}

describe('memory twin: fault injection', () => {
  it('duplicateDeliveries delivers a second copy with the same id and delivery count', async () => {
    const { driver, spec, receiver } = await setup();
    driver.faults.duplicateDeliveries(1);
    await driver.send(spec, [msg('a')]);
    const [first] = await receiver.receive(10, { waitSeconds: 0 });
    driver.faults.clear();
    const [copy] = await receiver.receive(10, { waitSeconds: 0 });
    expect(copy?.id).toBe(first?.id);
    expect(copy?.body).toBe('a');
    expect(copy?.deliveryCount).toBe(first?.deliveryCount);
    await first?.ack();
    await copy?.ack();
    expect(driver.inspect('q').total).toBe(0);
  });

  it('duplicate rates are drawn from the seeded random source, so runs repeat', async () => {
    const run = async () => {
      const { driver, spec, receiver } = await setup(seededRandom(11));
      driver.faults.duplicateDeliveries(0.3);
      for (let i = 0; i < 10; i++)
        await driver.send(
          spec,
          Array.from({ length: 10 }, (_, j) => msg(`${i}-${j}`)),
        );
      const ids: string[] = [];
      for (;;) {
        const got = await receiver.receive(10, { waitSeconds: 0 });
        if (got.length === 0) break;
        for (const d of got) {
          ids.push(d.body as string);
          await d.ack();
        }
      }
      return ids;
    };
    const a = await run();
    const b = await run();
    expect(a).toEqual(b);
    expect(a.length).toBeGreaterThan(100);
    expect(a.length).toBeLessThan(200);
  });

  it('loseAcks reports success but the message comes back after its lease', async () => {
    const { clock, driver, spec, receiver } = await setup();
    driver.faults.loseAcks(1);
    await driver.send(spec, [msg('a')]);
    const [d] = await receiver.receive(1, { waitSeconds: 0 });
    await d?.ack();
    expect(driver.inspect('q')).toMatchObject({ inFlight: 1, total: 1 });
    driver.faults.loseAcks(0);
    await clock.advance(10_000);
    const [again] = await receiver.receive(1, { waitSeconds: 0 });
    expect(again?.id).toBe(d?.id);
    expect(again?.deliveryCount).toBe(2);
    await again?.ack();
    expect(driver.inspect('q').total).toBe(0);
  });

  it('failSends fails the next N messages, each with its own retryable outcome', async () => {
    const { driver, spec } = await setup();
    driver.faults.failSends(2);
    const outcomes = await driver.send(spec, [msg('1'), msg('2'), msg('3')]);
    expect(outcomes.map((o) => o.ok)).toEqual([false, false, true]);
    const error = outcomes[0]?.ok === false ? outcomes[0].error : undefined;
    expect(TransportError.isInstance(error)).toBe(true);
    expect(error?.retryable).toBe(true);
    expect((await driver.send(spec, [msg('4')]))[0]?.ok).toBe(true);
    expect(driver.inspect('q').total).toBe(2);

    const custom = new OmnibusError('THROTTLED', 'slow down', { retryable: false });
    driver.faults.failSends(1, custom);
    const [o] = await driver.send(spec, [msg('5')]);
    expect(o).toEqual({ ok: false, error: custom });
  });

  it('crashInFlight orphans in-flight deliveries of one entity; they come back after the lease', async () => {
    const { clock, driver, spec, receiver } = await setup();
    const other = driver.openReceiver(queueSpec('other'), { maxInFlight: 10, leaseSeconds: 10 });
    await driver.send(spec, [msg('a'), msg('b')]);
    await driver.send(queueSpec('other'), [msg('c')]);
    const held = await receiver.receive(10, { waitSeconds: 0 });
    const [keep] = await other.receive(10, { waitSeconds: 0 });
    expect(driver.faults.crashInFlight('q')).toBe(2);
    for (const d of held) {
      await expect(d.ack()).rejects.toMatchObject({ code: LEASE_LOST });
      await expect(d.extend(10)).rejects.toMatchObject({ code: LEASE_LOST });
      await expect(d.release(0)).rejects.toMatchObject({ code: LEASE_LOST });
    }
    expect(driver.inspect('q').inFlight).toBe(2); // still leased until the lease runs out
    await keep?.ack(); // the other queue's consumer is alive
    await clock.advance(10_000);
    const again = await receiver.receive(10, { waitSeconds: 0 });
    expect(again.map((d) => d.deliveryCount)).toEqual([2, 2]);
    expect(driver.faults.crashInFlight()).toBe(2);
  });

  it('validates fault arguments', async () => {
    const { driver } = await setup();
    expect(() => driver.faults.duplicateDeliveries(1.5)).toThrow(ValidationError);
    expect(() => driver.faults.loseAcks(-0.1)).toThrow(ValidationError);
    expect(() => driver.faults.failSends(1.5)).toThrow(ValidationError);
  });
});
