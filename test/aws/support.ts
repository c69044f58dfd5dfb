/**
 * Shared helpers of the AWS wire tests: SDK clients and drivers pointed at the emulator, specs built from
 * declarations, and a receive loop that drains a queue as it goes (moto slows down with deep queues).
 */
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { type AwsOptions, aws } from '../../adapters/aws/index.js';
import { AWS_CAPABILITIES } from '../../adapters/aws/limits.js';
import type { Declaration } from '../../core/declarations.js';
import type { Delivery, Driver, Receiver } from '../../core/driver.js';
import { topologyOf } from '../../core/plan.js';
import { awsClientConfig } from '../support/emulators.js';

/** Plain SDK clients on the emulator (for interop checks and inspection). */
export function sdkClients(): { sqs: SQSClient; sns: SNSClient } {
  const config = awsClientConfig();
  return { sqs: new SQSClient(config), sns: new SNSClient(config) };
}

/** An AWS driver on the emulator. */
export function testDriver(options: AwsOptions = {}): Driver {
  const config = awsClientConfig();
  return aws({
    endpoint: config.endpoint,
    region: config.region,
    credentials: config.credentials,
    ...options,
  });
}

/** Provisions declarations through a driver. */
export async function provision(driver: Driver, declarations: readonly Declaration[]): Promise<void> {
  await driver.provision(topologyOf(declarations, AWS_CAPABILITIES));
}

/** Receives until `count` deliveries arrived or `timeoutMs` passed. */
export async function receiveAtLeast(
  receiver: Receiver,
  count: number,
  timeoutMs = 10_000,
  settle: (d: Delivery) => Promise<void> = (d) => d.ack(),
): Promise<Delivery[]> {
  const out: Delivery[] = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < count && Date.now() < deadline) {
    const batch = await receiver.receive(10, { waitSeconds: 1 });
    for (const d of batch) {
      out.push(d);
      await settle(d);
    }
  }
  return out;
}
