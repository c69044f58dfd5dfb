/**
 * Section 3b, Service Bus on the twin: Omnibus (`omnibus/azure`) against the raw `@azure/service-bus` client doing
 * the same batching (see `entries/`).
 *
 * @example
 * ```ts
 * await runServiceBusSection({ servicebus: { connectionString }, rounds: 3, log: console.log });
 * ```
 * @module
 */
import { runFlowSection } from '../lib/flow-section.js';
import type { SectionOutcome } from '../lib/section.js';
import type { ServiceBusEndpoint } from '../lib/services.js';

/** Options of {@link runServiceBusSection}. */
export interface ServiceBusSectionOptions {
  readonly servicebus: ServiceBusEndpoint | string;
  readonly rounds: number;
  readonly log: (line: string) => void;
}

/**
 * Runs section 3b.
 *
 * @example
 * ```ts
 * await runServiceBusSection({ servicebus, rounds: 3, log: console.log });
 * ```
 */
export function runServiceBusSection(options: ServiceBusSectionOptions): Promise<SectionOutcome> {
  return runFlowSection({
    id: 'servicebus',
    title: '3b. Service Bus on the twin',
    service: 'Service Bus',
    entries: { omnibus: 'bench/servicebus/entries/omnibus.ts', raw: 'bench/servicebus/entries/raw.ts' },
    labels: {
      omnibus: 'Omnibus (`bus.send` auto-batched, `bus.consume`)',
      raw: '`@azure/service-bus` (one message batch per burst, `subscribe`)',
    },
    needs: ['adapters/azure/index.ts'],
    ...(typeof options.servicebus === 'string'
      ? { unavailable: `the Service Bus twin is not running: ${options.servicebus}` }
      : {}),
    extra: {
      connectionString: typeof options.servicebus === 'string' ? '' : options.servicebus.connectionString,
    },
    rounds: options.rounds,
    warmup: 200,
    measured: 5000,
    burst: 50,
    concurrency: 10,
    description:
      'A queue on the Service Bus twin (AMQP over loopback, in its own process; entities created on first attach).',
    log: options.log,
  });
}
