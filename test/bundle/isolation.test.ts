import { describe, expect, it } from 'vitest';
import { CLOUD_SCOPES, forbiddenReached, reachedPackages } from './reach.js';

/** Each entry and the scopes its bundle must not reach. */
const ENTRIES: { entry: string; forbidden: readonly string[] }[] = [
  { entry: 'core/index.ts', forbidden: CLOUD_SCOPES },
  { entry: 'adapters/memory/index.ts', forbidden: CLOUD_SCOPES },
  { entry: 'adapters/redis/index.ts', forbidden: CLOUD_SCOPES },
  { entry: 'adapters/aws/index.ts', forbidden: ['@google-cloud', '@azure', 'aws-cdk-lib', 'constructs'] },
  { entry: 'adapters/gcp/index.ts', forbidden: ['@aws-sdk', '@azure', 'aws-cdk-lib'] },
  { entry: 'adapters/azure/index.ts', forbidden: ['@aws-sdk', '@google-cloud', 'aws-cdk-lib'] },
];

describe('bundle isolation', () => {
  it('the negative control (an entry importing @aws-sdk/client-sqs) is flagged', async () => {
    const reached = await reachedPackages('test/bundle/fixtures/leaky-entry.ts');
    expect(forbiddenReached(reached, CLOUD_SCOPES)).toContain('@aws-sdk/client-sqs');
  });

  for (const { entry, forbidden } of ENTRIES) {
    it(`${entry} reaches none of ${forbidden.join(', ')}`, async () => {
      const reached = await reachedPackages(entry);
      expect(forbiddenReached(reached, forbidden)).toEqual([]);
    });
  }
});
