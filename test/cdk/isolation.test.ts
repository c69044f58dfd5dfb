/**
 * `aws-cdk-lib` and `constructs` stay optional: the root entry and the AWS adapter never reach them, and the
 * environment module the adapter may read is pure. The CDK entry itself reaches them (negative control).
 */
import { describe, expect, it } from 'vitest';
import { forbiddenReached, reachedPackages } from '../bundle/reach.js';

const CDK = ['aws-cdk-lib', 'constructs', 'cdk-nag'];

describe('cdk: isolation', () => {
  it('[cdk] omnibus, omnibus/aws and the environment module do not load aws-cdk-lib or constructs', async () => {
    for (const entry of ['core/index.ts', 'adapters/aws/index.ts', 'infra/cdk/environment.ts']) {
      expect(forbiddenReached(await reachedPackages(entry), CDK), entry).toEqual([]);
    }
  }, 60_000);

  it('[cdk] omnibus/cdk reaches aws-cdk-lib and constructs (negative control)', async () => {
    expect(forbiddenReached(await reachedPackages('infra/cdk/index.ts'), CDK)).toEqual([
      'aws-cdk-lib',
      'constructs',
    ]);
  }, 60_000);
});
