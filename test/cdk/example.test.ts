/**
 * The example app runs as the CDK CLI runs it (`npx tsx app.ts` in examples/cdk, the `app` of its cdk.json, with
 * CDK_OUTDIR set) and writes a cloud assembly with the pipeline's template: offline, no account, no Docker.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT } from './support.js';

const run = promisify(execFile);

describe('cdk: example app', () => {
  it('[cdk] the example app synthesizes with its cdk.json command and exits 0', async () => {
    const dir = join(ROOT, 'examples', 'cdk');
    const config = JSON.parse(readFileSync(join(dir, 'cdk.json'), 'utf8')) as { app: string };
    expect(config.app).toBe('npx tsx app.ts');
    const out = mkdtempSync(join(tmpdir(), 'omnibus-cdk-example-'));
    try {
      const [command, ...args] = config.app.split(' ') as [string, ...string[]];
      await run(command, args, { cwd: dir, env: { ...process.env, CDK_OUTDIR: out }, timeout: 120_000 });
      const template = JSON.parse(readFileSync(join(out, 'OmnibusOrderPipeline.template.json'), 'utf8'));
      const types = Object.values(template.Resources as Record<string, { Type: string }>).map((r) => r.Type);
      expect(types.filter((t) => t === 'AWS::Lambda::Function')).toHaveLength(7);
      expect(types.filter((t) => t === 'AWS::SQS::Queue')).toHaveLength(15);
      expect(Object.keys(template.Outputs)).toEqual(['CheckoutQueueUrl', 'OrderPlacedTopicArn']);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 120_000);
});
