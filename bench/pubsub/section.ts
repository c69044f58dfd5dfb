/**
 * Section 3a, Pub/Sub on the emulator: Omnibus (`omnibus/gcp`) against the raw `@google-cloud/pubsub` client
 * doing the same batching (see `entries/`).
 *
 * @example
 * ```ts
 * await runPubSubSection({ pubsub: { host, projectId }, rounds: 3, log: console.log });
 * ```
 * @module
 */
import { runFlowSection } from '../lib/flow-section.js';
import type { SectionOutcome } from '../lib/section.js';
import type { PubSubEndpoint } from '../lib/services.js';

/** Options of {@link runPubSubSection}. */
export interface PubSubSectionOptions {
  readonly pubsub: PubSubEndpoint | string;
  readonly rounds: number;
  readonly log: (line: string) => void;
}

/**
 * Runs section 3a.
 *
 * @example
 * ```ts
 * await runPubSubSection({ pubsub, rounds: 3, log: console.log });
 * ```
 */
export function runPubSubSection(options: PubSubSectionOptions): Promise<SectionOutcome> {
  const endpoint = typeof options.pubsub === 'string' ? undefined : options.pubsub;
  return runFlowSection({
    id: 'pubsub',
    title: '3a. Pub/Sub on the emulator',
    service: 'Pub/Sub',
    entries: { omnibus: 'bench/pubsub/entries/omnibus.ts', raw: 'bench/pubsub/entries/raw.ts' },
    labels: {
      omnibus: 'Omnibus (`bus.send` auto-batched, `bus.consume`)',
      raw: '`@google-cloud/pubsub` (publishMessage + flush per burst, streaming pull)',
    },
    needs: ['adapters/gcp/index.ts'],
    ...(typeof options.pubsub === 'string'
      ? { unavailable: `the Pub/Sub emulator is not running: ${options.pubsub}` }
      : {}),
    extra: { projectId: endpoint?.projectId ?? 'omnibus-bench' },
    env: endpoint ? { PUBSUB_EMULATOR_HOST: endpoint.host, PUBSUB_PROJECT_ID: endpoint.projectId } : {},
    rounds: options.rounds,
    warmup: 200,
    measured: 5000,
    burst: 50,
    concurrency: 10,
    description:
      'A queue (topic + subscription with a dead-letter policy, as Omnibus provisions it) on the Pub/Sub emulator.',
    log: options.log,
  });
}
