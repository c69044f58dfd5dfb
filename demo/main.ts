/**
 * `npm start`: the order pipeline on the adapter named by OMNIBUS_ADAPTER (default: memory), then a short summary.
 * With `npm run emulators` running, `OMNIBUS_ADAPTER=aws|gcp|azure npm start` runs the same pipeline on a real
 * wire protocol and prints the same summary.
 */
import { randomBytes } from 'node:crypto';
import { adapterName, createBusFromEnv } from '../adapters/env/index.js';
import { consoleLogger, idempotency, memoryIdempotencyStore } from '../core/index.js';
import { declarations } from './declarations.js';
import { demoOrders, newTally, startPipeline, type Tally } from './pipeline.js';

const TIMEOUT_MS = 120_000;

async function main(): Promise<number> {
  const adapter = adapterName();
  // A fresh prefix per run: a persistent emulator keeps earlier runs' queues.
  const prefix = adapter === 'memory' ? 'demo' : `demo${randomBytes(3).toString('hex')}`;
  const d = declarations(prefix);
  const bus = await createBusFromEnv({
    declarations: Object.values(d),
    logger: consoleLogger('warn'),
  });
  const tally = newTally();
  const idempotent = idempotency({
    store: memoryIdempotencyStore(),
    key: (m) => (m.body as { orderId: string }).orderId, // a client retry carries a new message id, same order id
    onDuplicate: (e) => tally.duplicatesAbsorbed.push(e.key.split(':').pop() ?? e.key),
  });
  console.log(`Omnibus demo: order pipeline on the ${adapter} adapter`);
  await bus.provision();
  const consumers = startPipeline(bus, d, tally, idempotent);

  const orders = demoOrders();
  await bus.sendBatch(
    d.checkout,
    orders.map((body) => ({ body })),
  );
  await bus.send(d.checkout, orders[1]!); // the duplicate submission of o-2

  const done = () =>
    tally.shipped.length === 4 &&
    tally.deadLetters.length === 1 &&
    tally.duplicatesAbsorbed.length === 1 &&
    tally.notified.email.length === 2 &&
    tally.notified.analytics.length === 5 &&
    tally.notified.audit.length === 5;
  const started = Date.now();
  while (!done() && Date.now() - started < TIMEOUT_MS) await new Promise((r) => setTimeout(r, 50));
  await Promise.all(consumers.map((c) => c.close()));
  await bus.close();
  printSummary(tally);
  if (!done()) {
    console.error('The pipeline did not finish in time (see the counts above).');
    return 1;
  }
  return 0;
}

function sorted(ids: string[]): string {
  return [...ids].sort().join(' ') || '-';
}

function printSummary(t: Tally): void {
  const rows: [string, string][] = [
    [
      'checkout',
      `${t.checkedOut.length} orders checked out (${sorted(t.checkedOut)}); duplicates absorbed by idempotency: ${sorted(t.duplicatesAbsorbed)}`,
    ],
    ['billing', `${t.charged.length} charged (${sorted(t.charged)})`],
    ['inventory', `${t.reserved.length} reserved`],
    ['shipping', `${t.shipped.length} shipped (${sorted(t.shipped)})`],
    [
      'order-placed',
      `email ${t.notified.email.length} (${sorted(t.notified.email)}), analytics ${t.notified.analytics.length}, audit ${t.notified.audit.length}`,
    ],
  ];
  for (const dl of t.deadLetters) {
    rows.push([
      'dead letter',
      `${dl.orderId} in ${dl.queue.replace(/^demo[0-9a-f]*-/, '')}: reason ${dl.reason} after ${dl.attempts} attempts (${dl.error})`,
    ]);
  }
  console.log('\nSummary');
  for (const [k, v] of rows) console.log(`  ${k.padEnd(13)} ${v}`);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
