import { describe, expect, it } from 'vitest';
import { forbiddenReached, reachedPackages } from '../bundle/reach.js';

describe('azure bundle isolation', () => {
  it('omnibus/azure reaches no other cloud SDK', async () => {
    const reached = await reachedPackages('adapters/azure/index.ts');
    expect(forbiddenReached(reached, ['@aws-sdk', '@google-cloud', 'aws-cdk-lib'])).toEqual([]);
    // Negative control: the same check does see the Azure SDK the adapter imports lazily.
    expect(forbiddenReached(reached, ['@azure'])).toContain('@azure/service-bus');
  });

  it('the SQL translator and the limits import no SDK at all', async () => {
    for (const entry of [
      'adapters/azure/sql-filter.ts',
      'adapters/azure/limits.ts',
      'adapters/azure/topology.ts',
    ]) {
      const reached = await reachedPackages(entry);
      expect(
        forbiddenReached(reached, ['@aws-sdk', '@google-cloud', '@azure', 'aws-cdk-lib']),
        entry,
      ).toEqual([]);
    }
  });
});
