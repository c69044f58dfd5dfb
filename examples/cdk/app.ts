/**
 * The CDK app of the example: `npx cdk synth` (in this folder) runs it with tsx; `npx tsx app.ts` synthesizes
 * without the CLI into `./cdk.out`. The prefix of every entity name comes from the context (`-c prefix=shop`),
 * default `omnibus-demo`.
 *
 * @example
 * ```sh
 * cd examples/cdk && npx cdk synth
 * ```
 * @module
 */
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { DEFAULT_PREFIX } from './pipeline.js';
import { OrderPipelineStack } from './stack.js';

// Run by the CDK CLI, the output folder comes from CDK_OUTDIR; run directly (`npx tsx app.ts`), it is ./cdk.out.
const app = new App(process.env.CDK_OUTDIR ? {} : { outdir: join(import.meta.dirname, 'cdk.out') });
const prefix = (app.node.tryGetContext('prefix') as string | undefined) ?? DEFAULT_PREFIX;
new OrderPipelineStack(app, 'OmnibusOrderPipeline', {
  prefix,
  description: 'Omnibus demo: the order pipeline deployed from its declarations',
});
app.synth();
