import { describe, expect, it } from 'vitest';
import { durationToMs } from '../../../twin/servicebus/config.js';
import { DuplicateDetector, parseAddress } from '../../../twin/servicebus/entities.js';
import { IndexedHeap } from '../../../twin/servicebus/heap.js';
import { Scheduler } from '../../../twin/servicebus/scheduler.js';

// Unit tests of the twin's data structures (no SDK involved, hence not named "twin servicebus: …").
describe('servicebus twin structures (unit)', () => {
  it('the indexed heap pops in order under random pushes and removals', () => {
    let seed = 42;
    const random = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    const heap = new IndexedHeap<{ key: number; heapIndex: number }>((a, b) => a.key - b.key);
    const live = new Set<{ key: number; heapIndex: number }>();
    for (let round = 0; round < 2000; round++) {
      const r = random();
      if (r < 0.55 || live.size === 0) {
        const node = { key: Math.floor(random() * 1000), heapIndex: -1 };
        heap.push(node);
        live.add(node);
      } else if (r < 0.8) {
        const victim = [...live][Math.floor(random() * live.size)];
        if (victim === undefined) continue;
        expect(heap.remove(victim)).toBe(true);
        expect(victim.heapIndex).toBe(-1);
        expect(heap.remove(victim)).toBe(false);
        live.delete(victim);
      } else {
        const min = Math.min(...[...live].map((n) => n.key));
        const top = heap.pop();
        expect(top?.key).toBe(min);
        if (top !== undefined) live.delete(top);
      }
      expect(heap.size).toBe(live.size);
    }
    const drained: number[] = [];
    for (let top = heap.pop(); top !== undefined; top = heap.pop()) drained.push(top.key);
    expect(drained).toEqual([...drained].sort((a, b) => a - b));
  });

  it('the scheduler runs due tasks in order, skips cancelled ones and forgets everything on close', () => {
    let now = 1000;
    const scheduler = new Scheduler({ now: () => now });
    const ran: string[] = [];
    scheduler.schedule(1300, () => ran.push('c'));
    const cancelled = scheduler.schedule(1100, () => ran.push('x'));
    scheduler.schedule(1100, () => ran.push('a'));
    scheduler.schedule(1200, () => ran.push('b'));
    scheduler.cancel(cancelled);
    expect(scheduler.size).toBe(3);
    now = 1250;
    scheduler.runDue();
    expect(ran).toEqual(['a', 'b']);
    scheduler.close();
    expect(scheduler.size).toBe(0);
    now = 5000;
    scheduler.runDue();
    expect(ran).toEqual(['a', 'b']);
  });

  it('duplicate detection forgets ids after the window', () => {
    const detector = new DuplicateDetector(100);
    expect(detector.isDuplicate('a', 0)).toBe(false);
    expect(detector.isDuplicate('a', 50)).toBe(true);
    expect(detector.isDuplicate('b', 60)).toBe(false);
    expect(detector.isDuplicate('a', 100)).toBe(false);
    detector.prune(1000);
    expect(detector.size).toBe(0);
  });

  it('addresses and durations parse like the service spells them', () => {
    expect(parseAddress('orders')).toMatchObject({
      entityPath: 'orders',
      subQueue: 'active',
      management: false,
    });
    expect(parseAddress('orders/$deadletterqueue')).toMatchObject({
      entityPath: 'orders',
      subQueue: 'deadletter',
    });
    expect(parseAddress('sb://host:5672/t/Subscriptions/s/$DeadLetterQueue/$management')).toMatchObject({
      topic: 't',
      subscription: 's',
      subQueue: 'deadletter',
      management: true,
    });
    expect(parseAddress('q/$Transfer/$DeadLetterQueue').subQueue).toBe('transfer-deadletter');
    expect(durationToMs('PT1M30S')).toBe(90_000);
    expect(durationToMs('P1DT1H')).toBe(90_000_000);
    expect(durationToMs('PT0.5S')).toBe(500);
    expect(durationToMs('P10675199DT2H48M5.4775807S')).toBe(Number.POSITIVE_INFINITY);
    expect(() => durationToMs('1 minute')).toThrow(/ISO 8601/);
  });
});
