/**
 * The container worker: consumers start, a signal drains in-flight work within the deadline, the exit code says
 * whether draining succeeded. In-process with a stand-in process object, and as a real child process receiving a
 * real SIGTERM.
 */
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { memory } from '../../adapters/memory/index.js';
import { createBus } from '../../core/bus.js';
import { defineQueue } from '../../core/declarations.js';
import { consumer, startWorker, type WorkerProcess } from '../../functions/worker/index.js';
import { gate } from './support.js';

class FakeProcess extends EventEmitter implements WorkerProcess {}

const until = async (check: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
};

async function setup(name: string) {
  const queue = defineQueue(name);
  const driver = memory();
  const bus = createBus({ adapter: driver, declarations: [queue] });
  await bus.provision();
  return { queue, driver, bus };
}

describe('[functions:worker] container worker', () => {
  it('on SIGTERM stops receiving, lets in-flight work finish and settle, and exits 0', async () => {
    const { queue, driver, bus } = await setup('worker-drain');
    await bus.sendBatch(queue, [{ body: 'a' }, { body: 'b' }]);
    const proc = new FakeProcess();
    const codes: number[] = [];
    const open = gate();
    const handled: string[] = [];
    const worker = startWorker({
      bus,
      consumers: [
        consumer(
          queue,
          async (m) => {
            await open.wait;
            handled.push(String(m.body));
          },
          { concurrency: 2, waitSeconds: 1 },
        ),
      ],
      process: proc,
      exit: (code) => void codes.push(code),
      drainSeconds: 5,
    });
    await worker.started;
    await until(() => worker.inFlight === 2);
    proc.emit('SIGTERM', 'SIGTERM');
    await bus.send(queue, 'late').catch(() => undefined); // the bus is closing: a late send may be refused
    setTimeout(open.open, 100);
    expect(await worker.exited).toBe(0);
    expect(codes).toEqual([0]);
    expect(handled.sort()).toEqual(['a', 'b']);
    expect(driver.inspect('worker-drain').inFlight).toBe(0);
    expect(proc.listenerCount('SIGTERM')).toBe(0);
  });

  it('exits 1 when draining passes the deadline; the stuck message returns when its lease ends', async () => {
    const { queue, driver, bus } = await setup('worker-stuck');
    await bus.send(queue, 'stuck');
    const proc = new FakeProcess();
    const never = gate();
    const worker = startWorker({
      bus,
      consumers: [consumer(queue, async () => never.wait, { waitSeconds: 1 })],
      process: proc,
      exit: false,
      drainSeconds: 0.2,
    });
    await worker.started;
    await until(() => worker.inFlight === 1);
    proc.emit('SIGINT', 'SIGINT');
    expect(await worker.exited).toBe(1);
    expect(driver.inspect('worker-stuck').inFlight).toBe(1); // not acked: it comes back after its lease
    never.open();
  });

  it('a second signal while draining exits 1 at once; bad options are refused before starting', async () => {
    const { queue, bus } = await setup('worker-twice');
    await bus.send(queue, 'x');
    const proc = new FakeProcess();
    const never = gate();
    const codes: number[] = [];
    const worker = startWorker({
      bus,
      consumers: [consumer(queue, async () => never.wait, { waitSeconds: 1 })],
      process: proc,
      exit: (code) => void codes.push(code),
      drainSeconds: 30,
    });
    await worker.started;
    await until(() => worker.inFlight === 1);
    proc.emit('SIGTERM', 'SIGTERM');
    proc.emit('SIGTERM', 'SIGTERM');
    expect(await worker.exited).toBe(1);
    expect(codes).toEqual([1]);
    never.open();
    expect(() => startWorker({ bus, consumers: [], process: proc, exit: false })).toThrow(/consumers/);
    expect(() =>
      startWorker({
        bus,
        consumers: [consumer(queue, async () => {})],
        drainSeconds: 0,
        process: proc,
        exit: false,
      }),
    ).toThrow(/drainSeconds/);
  });

  /** Runs the fixture in a child process, sends SIGTERM once it is handling both messages. */
  async function runChild(mode: 'drain' | 'hang'): Promise<{ code: number | null; out: string }> {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/functions/fixtures/worker-main.ts', mode],
      {
        cwd: process.cwd(),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += String(chunk);
      if (out.includes('start 1') && out.includes('start 2') && !child.killed) child.kill('SIGTERM');
    });
    child.stderr.on('data', (chunk) => {
      out += String(chunk);
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    return { code, out };
  }

  it('a real process drains on a real SIGTERM and exits 0 after finishing both messages', async () => {
    const { code, out } = await runChild('drain');
    expect(out).toContain('done 1');
    expect(out).toContain('done 2');
    expect(out).toContain('worker drained');
    expect(code).toBe(0);
  }, 30_000);

  it('a real process whose handler hangs exits 1 after the drain deadline', async () => {
    const { code, out } = await runChild('hang');
    expect(out).toContain('worker drain passed its deadline');
    expect(out).not.toContain('done 1');
    expect(code).toBe(1);
  }, 30_000);
});
