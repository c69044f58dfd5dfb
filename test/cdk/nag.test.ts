/**
 * cdk-nag (AwsSolutions pack, v3: a CDK policy-validation plugin) over the example pipeline and a FIFO variant:
 * zero unsuppressed errors, and every acknowledged rule carries a reason. A negative control proves the check
 * reports a plainly non-compliant queue.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { defineQueue, defineTopic } from '../../core/declarations.js';
import { OrderPipelineStack } from '../../examples/cdk/stack.js';
import { OmnibusTopology } from '../../infra/cdk/topology.js';
import { FUNCTION_DEFAULTS, HANDLER } from './support.js';

interface Violation {
  ruleName: string;
  severity: string;
  reason?: string;
  violatingConstructs: { constructPath: string }[];
}
interface Report {
  pluginReports: { pluginName: string; violations: Violation[]; suppressedViolations?: Violation[] }[];
}

/** Synthesizes with the AwsSolutions pack and returns its report (written even when the synth fails). */
function nag(app: App): { report: Report['pluginReports'][number]; failed: boolean } {
  let failed = false;
  try {
    app.synth();
  } catch {
    failed = true;
  }
  const report = JSON.parse(readFileSync(join(app.outdir, 'validation-report.json'), 'utf8')) as Report;
  const pack = report.pluginReports.find((r) => r.pluginName === 'AwsSolutions');
  if (!pack) throw new Error('no AwsSolutions report');
  return { report: pack, failed };
}

function withNag(): App {
  const app = new App();
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return app;
}

describe('cdk: cdk-nag AwsSolutions', () => {
  it('[cdk] cdk-nag AwsSolutions finds zero unsuppressed errors, and every suppression has a reason', () => {
    const app = withNag();
    new OrderPipelineStack(app, 'Pipeline');
    const fifo = new Stack(app, 'Fifo');
    const ledger = defineQueue('ledger', { ordering: true, maxAttempts: 4 });
    const prices = defineTopic('prices', { ordering: true, deduplication: true });
    const sink = prices.subscription('sink', { filter: { region: { anyOf: ['eu', 'us'] } } });
    new OmnibusTopology(fifo, 'Fifo', {
      declarations: [ledger, prices, defineQueue('unguarded', { deadLetter: false })],
      functionDefaults: FUNCTION_DEFAULTS,
      handlers: {
        ledger: { entry: HANDLER, consumes: ledger, publishesTo: [prices], idempotency: true },
        sink: { entry: HANDLER, consumes: sink },
      },
    });
    const { report, failed } = nag(app);
    expect(report.violations.filter((v) => v.severity === 'error')).toEqual([]);
    expect(failed).toBe(false);
    const suppressed = report.suppressedViolations ?? [];
    // The undeliverable queues (SNS subscription DLQs, which SQS3 does not recognize) and the queue declared
    // with deadLetter: false.
    expect(suppressed.map((v) => v.ruleName).sort()).toEqual([
      'AwsSolutions-SQS3',
      'AwsSolutions-SQS3',
      'AwsSolutions-SQS3',
    ]);
    for (const v of suppressed) expect(v.reason?.length ?? 0).toBeGreaterThan(40);
  }, 120_000);

  it('[cdk] cdk-nag reports a queue without encryption, TLS or dead-letter queue (negative control)', () => {
    const app = withNag();
    new sqs.Queue(new Stack(app, 'Plain'), 'Plain', { encryption: sqs.QueueEncryption.UNENCRYPTED });
    const { report, failed } = nag(app);
    expect(failed).toBe(true);
    expect(report.violations.map((v) => v.ruleName).sort()).toEqual(
      expect.arrayContaining(['AwsSolutions-SQS2', 'AwsSolutions-SQS3', 'AwsSolutions-SQS4']),
    );
  });
});
