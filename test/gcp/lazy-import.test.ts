import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const entry = fileURLToPath(new URL('../../adapters/gcp/index.ts', import.meta.url));

/** Runs `body` in a fresh Node process (tsx loader) and returns what it prints. */
function runFresh(body: string): string {
  const script = `
    import { createRequire } from 'node:module';
    const require = createRequire(import.meta.url);
    const google = () => Object.keys(require.cache).filter((k) => k.includes('@google-cloud')).length;
    const m = await import(${JSON.stringify(entry)});
    ${body}
  `;
  return execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, PUBSUB_EMULATOR_HOST: '127.0.0.1:9' },
  }).trim();
}

it('gcp pubsub: importing the adapter and creating a driver or store loads no Google client', () => {
  const out = runFresh(`
    const driver = m.gcp({ projectId: 'p' });
    const store = m.firestoreIdempotencyStore({ settings: { projectId: 'p' } });
    console.log(google());
    await driver.close();
    await store.close();
  `);
  expect(out).toBe('0');
});

it('gcp pubsub: the client is loaded on first use (negative control for the check above)', () => {
  const out = runFresh(`
    const driver = m.gcp({ projectId: 'p' });
    await driver.provision({ queues: [], topics: [], subscriptions: [] }); // creates the clients, calls nothing
    console.log(google() > 0 ? 'loaded' : 'not loaded');
    await driver.close();
  `);
  expect(out).toBe('loaded');
});
