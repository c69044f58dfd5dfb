/**
 * Each function entry bundles only its own platform's SDK, and the shared part none: esbuild bundles the entry (as
 * CDK's NodejsFunction, Cloud Build or Azure's packaging would) and the reached packages are checked.
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLOUD_SCOPES, forbiddenReached, reachedPackages } from '../bundle/reach.js';

const GOOGLE = ['@google-cloud', 'google-auth-library', 'gcp-metadata', 'gtoken'];
const ALL = [...CLOUD_SCOPES, ...GOOGLE];

describe('[functions:aws-lambda] bundle', () => {
  it('omnibus/functions/aws-lambda reaches the SQS client and no Google or Azure module', async () => {
    const reached = await reachedPackages('functions/aws-lambda/index.ts');
    expect(reached.has('@aws-sdk/client-sqs')).toBe(true); // the check sees what is there
    expect(forbiddenReached(reached, ['@google-cloud', '@azure', 'aws-cdk-lib', ...GOOGLE])).toEqual([]);
  });
});

describe('[functions:gcp] bundle', () => {
  it('omnibus/functions/gcp reaches google-auth-library and no AWS or Azure module', async () => {
    const reached = await reachedPackages('functions/gcp/index.ts');
    expect(reached.has('google-auth-library')).toBe(true);
    expect(forbiddenReached(reached, ['@aws-sdk', '@azure', 'aws-cdk-lib', '@google-cloud/pubsub'])).toEqual(
      [],
    );
  });
});

describe('[functions:azure] bundle', () => {
  it('omnibus/functions/azure reaches no cloud SDK at all (it uses @azure/functions objects structurally)', async () => {
    const reached = await reachedPackages('functions/azure/index.ts');
    expect(forbiddenReached(reached, ALL)).toEqual([]);
  });
});

describe('[functions:worker] bundle', () => {
  it('omnibus/functions/worker reaches no cloud SDK, and omnibus/functions/local only the AWS one', async () => {
    expect(forbiddenReached(await reachedPackages('functions/worker/index.ts'), ALL)).toEqual([]);
    const local = await reachedPackages('functions/local/index.ts');
    expect(forbiddenReached(local, ['@google-cloud', '@azure', ...GOOGLE])).toEqual([]);
  });

  it('every module of functions/shared reaches no cloud SDK', async () => {
    const files = readdirSync('functions/shared').filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(3);
    for (const file of files) {
      expect(forbiddenReached(await reachedPackages(`functions/shared/${file}`), ALL), file).toEqual([]);
    }
  });
});
