import { describe, expect, it } from 'vitest';
import { forbiddenReached, reachedPackages } from '../bundle/reach.js';

describe('aws bundle isolation', () => {
  it('omnibus/aws reaches no other cloud SDK', async () => {
    const reached = await reachedPackages('adapters/aws/index.ts');
    expect(forbiddenReached(reached, ['@google-cloud', '@azure', 'aws-cdk-lib'])).toEqual([]);
    // Negative control: the same check does see the AWS SDK the adapter imports lazily.
    expect(forbiddenReached(reached, ['@aws-sdk'])).toContain('@aws-sdk/client-sqs');
  });

  it('the filter-policy translator and the limits (reused by CDK) import no SDK at all', async () => {
    for (const entry of [
      'adapters/aws/filter-policy.ts',
      'adapters/aws/limits.ts',
      'adapters/aws/names.ts',
    ]) {
      const reached = await reachedPackages(entry);
      expect(
        forbiddenReached(reached, ['@aws-sdk', '@google-cloud', '@azure', 'aws-cdk-lib']),
        entry,
      ).toEqual([]);
    }
  });
});
