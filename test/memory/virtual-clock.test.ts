import { describe, expect, it } from 'vitest';
import { VIRTUAL_EPOCH_MS, VirtualClock } from '../../adapters/memory/virtual-clock.js';
import { sleep } from '../../core/clock.js';

describe('memory twin: virtual clock', () => {
  it('starts at the given time (default 2025-01-01) and only moves on advance', async () => {
    expect(new VirtualClock().now()).toBe(VIRTUAL_EPOCH_MS);
    const clock = new VirtualClock(1_000);
    expect(clock.now()).toBe(1_000);
    await new Promise((r) => setTimeout(r, 5));
    expect(clock.now()).toBe(1_000);
    await clock.advance(250);
    expect(clock.now()).toBe(1_250);
  });

  it('fires timers in due order, at their due time, ties in the order set', async () => {
    const clock = new VirtualClock(0);
    const fired: string[] = [];
    clock.setTimer(() => fired.push(`c@${clock.now()}`), 300);
    clock.setTimer(() => fired.push(`a@${clock.now()}`), 100);
    clock.setTimer(() => fired.push(`b1@${clock.now()}`), 200);
    clock.setTimer(() => fired.push(`b2@${clock.now()}`), 200);
    await clock.advance(250);
    expect(fired).toEqual(['a@100', 'b1@200', 'b2@200']);
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(50);
    expect(fired).toEqual(['a@100', 'b1@200', 'b2@200', 'c@300']);
  });

  it('does not fire cancelled timers', async () => {
    const clock = new VirtualClock(0);
    let fired = 0;
    const t = clock.setTimer(() => fired++, 10);
    t.cancel();
    t.cancel();
    expect(clock.pendingTimers).toBe(0);
    await clock.advance(100);
    expect(fired).toBe(0);
  });

  it('fires timers set during advance when they fall due by the target', async () => {
    const clock = new VirtualClock(0);
    const fired: number[] = [];
    const tick = () => {
      fired.push(clock.now());
      if (fired.length < 5) clock.setTimer(tick, 100);
    };
    clock.setTimer(tick, 100);
    await clock.advance(350);
    expect(fired).toEqual([100, 200, 300]);
    await clock.advance(1_000);
    expect(fired).toEqual([100, 200, 300, 400, 500]);
  });

  it('lets async reactions run between timers', async () => {
    const clock = new VirtualClock(0);
    const seen: string[] = [];
    // An async loop that sleeps on the clock, then does more async work before sleeping again.
    const loop = (async () => {
      for (let i = 0; i < 3; i++) {
        await sleep(clock, 1_000);
        await Promise.resolve();
        await new Promise((r) => setImmediate(r));
        seen.push(`woke@${clock.now()}`);
      }
    })();
    await clock.advance(3_000);
    await loop;
    expect(seen).toEqual(['woke@1000', 'woke@2000', 'woke@3000']);
  });

  it('runPending fires timers already due without moving time', async () => {
    const clock = new VirtualClock(0);
    let fired = false;
    clock.setTimer(() => {
      fired = true;
    }, 0);
    await clock.runPending();
    expect(fired).toBe(true);
    expect(clock.now()).toBe(0);
  });

  it('refuses a negative advance', async () => {
    await expect(new VirtualClock(0).advance(-1)).rejects.toThrow(RangeError);
  });
});
