/**
 * The demo's order pipeline as a CDK stack: checkout → billing → inventory → shipping queues and the
 * `order-placed` topic fanned out to email, analytics and audit, each consumed by a Lambda function, deployed from
 * the demo's own declarations by `OmnibusTopology`. Synthesizes offline: no account, no lookups, no Docker.
 *
 * @example
 * ```ts
 * const app = new App();
 * new OrderPipelineStack(app, 'OmnibusOrderPipeline', { prefix: 'omnibus-demo' });
 * app.synth();
 * ```
 * @module
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { OmnibusTopology } from '../../infra/cdk/index.js';
import { DEFAULT_PREFIX, PREFIX_VARIABLE, pipeline } from './pipeline.js';

const here = dirname(fileURLToPath(import.meta.url));
/** The repository root: the project the handlers are bundled from (its lock file, its node_modules). */
const root = join(here, '..', '..');

/** Properties of {@link OrderPipelineStack}. */
export interface OrderPipelineStackProps extends StackProps {
  /** Prefix of every queue and topic name. Default `omnibus-demo`. */
  readonly prefix?: string;
}

/**
 * The order pipeline stack.
 *
 * @example
 * ```ts
 * const stack = new OrderPipelineStack(app, 'Pipeline');
 * stack.topology.queue('omnibus-demo-billing').queue.queueUrl;
 * ```
 */
export class OrderPipelineStack extends Stack {
  /** Everything deployed. */
  readonly topology: OmnibusTopology;

  constructor(scope: Construct, id: string, props: OrderPipelineStackProps = {}) {
    super(scope, id, props);
    const prefix = props.prefix ?? DEFAULT_PREFIX;
    const d = pipeline(prefix);
    const handler = (name: string) => join(here, 'handlers', `${name}.ts`);
    this.topology = new OmnibusTopology(this, 'Pipeline', {
      declarations: d,
      functionDefaults: {
        projectRoot: root,
        depsLockFilePath: join(root, 'package-lock.json'),
        environment: { [PREFIX_VARIABLE]: prefix },
      },
      handlers: {
        checkout: {
          entry: handler('checkout'),
          consumes: d.checkout,
          publishesTo: [d.billing, d.orderPlaced],
        },
        billing: {
          entry: handler('billing'),
          consumes: d.billing,
          publishesTo: [d.inventory],
          // Charging twice is the one thing that must not happen: remember handled orders.
          idempotency: true,
        },
        inventory: { entry: handler('inventory'), consumes: d.inventory, publishesTo: [d.shipping] },
        shipping: { entry: handler('shipping'), consumes: d.shipping },
        email: { entry: handler('notifications'), handler: 'email', consumes: d.email },
        analytics: { entry: handler('notifications'), handler: 'analytics', consumes: d.analytics },
        audit: { entry: handler('notifications'), handler: 'audit', consumes: d.audit },
      },
    });
    new CfnOutput(this, 'CheckoutQueueUrl', {
      description: 'Send orders here to start the pipeline',
      value: this.topology.queue(d.checkout.name).queue.queueUrl,
    });
    new CfnOutput(this, 'OrderPlacedTopicArn', {
      value: this.topology.topic(d.orderPlaced.name).topic.topicArn,
    });
  }
}
