/**
 * A local performance check (not a test; no assertions): sends, receives and acks 10k, 100k and 1M messages
 * through the memory driver and prints the cost per message, which should stay roughly flat as the count grows.
 * Two shapes: `deep` sends everything first (the queue holds all N), then drains; `steady` keeps about 1,000
 * messages queued while sending and draining.
 *
 * @example
 * ```sh
 * npx tsx adapters/memory/perf-check.ts            # 10k, 100k, 1M
 * npx tsx adapters/memory/perf-check.ts 50000      # one size
 * ```
 * @module
 */
import type { DriverMessage, QueueSpec } from '../../core/driver.js';
import { memory } from './driver.js';

const BATCH = 10;

function spec(name: string): QueueSpec {
  return {
    kind: 'queue',
    name,
    format: 'json',
    ordered: false,
    dedupWindowSeconds: undefined,
    leaseSeconds: 30,
    retentionSeconds: 4 * 24 * 3600,
    delaySeconds: 0,
    maxDeliveries: 5,
    deadLetterQueue: `${name}-dlq`,
    deadLetterOf: undefined,
  };
}

function batchOf(start: number): DriverMessage[] {
  const out: DriverMessage[] = [];
  for (let i = 0; i < BATCH; i++) out.push({ body: `{"n":${start + i}}`, attributes: { kind: 'perf' } });
  return out;
}

async function drain(receiver: ReturnType<ReturnType<typeof memory>['openReceiver']>, count: number) {
  let left = count;
  while (left > 0) {
    const got = await receiver.receive(BATCH, { waitSeconds: 0 });
    if (got.length === 0) throw new Error(`queue ran dry with ${left} messages left`);
    for (const d of got) await d.ack();
    left -= got.length;
  }
}

/** CPU time (user + system) in ns: less disturbed than wall time on a busy machine. */
function cpu(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
}

async function deep(n: number) {
  const driver = memory();
  const q = spec(`deep-${n}`);
  await driver.provision({
    queues: [q, { ...spec(`deep-${n}-dlq`), maxDeliveries: undefined, deadLetterQueue: undefined }],
    topics: [],
    subscriptions: [],
  });
  const t0 = process.hrtime.bigint();
  const c0 = cpu();
  for (let i = 0; i < n; i += BATCH) await driver.send(q, batchOf(i));
  const t1 = process.hrtime.bigint();
  const c1 = cpu();
  const receiver = driver.openReceiver(q, { maxInFlight: BATCH, leaseSeconds: 30 });
  await drain(receiver, n);
  const t2 = process.hrtime.bigint();
  const c2 = cpu();
  const counts = driver.inspect(q.name);
  if (counts.total !== 0) throw new Error(`left over: ${JSON.stringify(counts)}`);
  await driver.close();
  return {
    send: Number(t1 - t0) / n,
    receiveAck: Number(t2 - t1) / n,
    sendCpu: (c1 - c0) / n,
    receiveAckCpu: (c2 - c1) / n,
  };
}

async function steady(n: number) {
  const driver = memory();
  const q = spec(`steady-${n}`);
  await driver.provision({ queues: [q], topics: [], subscriptions: [] });
  const receiver = driver.openReceiver(q, { maxInFlight: BATCH, leaseSeconds: 30 });
  const backlog = 1_000;
  const t0 = process.hrtime.bigint();
  const c0 = cpu();
  for (let i = 0; i < backlog; i += BATCH) await driver.send(q, batchOf(i));
  for (let i = backlog; i < n; i += BATCH) {
    await driver.send(q, batchOf(i));
    await drain(receiver, BATCH);
  }
  await drain(receiver, backlog);
  const t1 = process.hrtime.bigint();
  const c1 = cpu();
  await driver.close();
  return { total: Number(t1 - t0) / n, totalCpu: (c1 - c0) / n };
}

const sizes = process.argv[2] ? [Number(process.argv[2])] : [10_000, 100_000, 1_000_000];
await deep(10_000); // warm-up
const ns = (wall: number, cpuNs: number) => `${wall.toFixed(0)} (${cpuNs.toFixed(0)} cpu)`.padStart(20);
console.log('ns per message: wall (cpu). deep = send all, then drain; steady = ~1,000 queued throughout');
console.log(
  `${'messages'.padEnd(10)}${'deep send'.padStart(20)}${'deep receive+ack'.padStart(20)}${'steady all three'.padStart(20)}`,
);
for (const n of sizes) {
  const d = await deep(n);
  const s = await steady(n);
  console.log(
    `${String(n).padEnd(10)}${ns(d.send, d.sendCpu)}${ns(d.receiveAck, d.receiveAckCpu)}${ns(s.total, s.totalCpu)}`,
  );
}
