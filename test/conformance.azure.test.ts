/**
 * The conformance suite on the Azure adapter, on the real wire: the `@azure/service-bus` SDK talking AMQP to the
 * Service Bus twin (`twin/servicebus`), started once for this file on a free port. Entities are provisioned through
 * the twin's programmatic API (the twin has no management endpoint); unique names keep tests apart. Real time.
 *
 * Every switch is on: Service Bus has sessions, scheduled delivery, duplicate detection (20 s – 7 days, observable
 * in test time), native dead-lettering with a reason, MaxDeliveryCount, SQL rules applied by the server, lock
 * expiry, delivery counts, and typed properties (numbers and bytes come back as such). See
 * adapters/azure/CAPABILITIES.md.
 */
import { ServiceBusClient } from '@azure/service-bus';
import { afterAll, beforeAll } from 'vitest';
import { azure } from '../adapters/azure/index.js';
import { type ServiceBusTwin, startServiceBusTwin } from '../twin/servicebus/index.js';
import { type ConformanceHarness, conformance, uniqueNames } from './conformance/index.js';

let twin: ServiceBusTwin | undefined;
let plain: ServiceBusClient | undefined;

beforeAll(async () => {
  twin = await startServiceBusTwin({ port: 0 });
});

afterAll(async () => {
  await plain?.close();
  await twin?.close();
});

function started(): ServiceBusTwin {
  if (!twin) throw new Error('the Service Bus twin did not start');
  return twin;
}

const harness: ConformanceHarness = {
  name: 'azure',
  makeDriver: () => azure({ connectionString: started().connectionString, provisioner: started() }),
  uniqueName: uniqueNames(),
  // Service Bus locks last at least 5 s (and at most 5 minutes).
  minLeaseSeconds: 5,
  features: {
    ordering: true,
    dedup: true,
    dedupWindowObservable: true,
    delay: 'native',
    nativeDeadLetterReason: true,
    brokerDeadLetter: true,
    serverFilters: true,
    leaseExpiry: true,
    deliveryCount: true,
    numberAttributes: 'number',
    binaryAttributes: 'bytes',
  },
  async sendPlain(queue, body, attributes) {
    plain ??= new ServiceBusClient(started().connectionString);
    const sender = plain.createSender(queue.name);
    try {
      // What a .NET or Java client sends: the body as bytes, string properties; no Omnibus attributes, no chosen id.
      await sender.sendMessages({
        body: Buffer.from(body, 'utf8'),
        applicationProperties: { ...attributes },
      });
    } finally {
      await sender.close();
    }
  },
};

conformance(harness);
