import { describe, expect, it } from 'vitest';
import { DedupWindow } from '../../adapters/memory/dedup.js';
import { Deque } from '../../adapters/memory/deque.js';
import { BinaryHeap } from '../../adapters/memory/heap.js';
import { seededRandom } from '../../adapters/memory/random.js';
import { Timeline } from '../../adapters/memory/timeline.js';

describe('memory twin: data structures', () => {
  it('heap pops in order for random input, duplicates included', () => {
    const random = seededRandom(3);
    const heap = new BinaryHeap<number>((a, b) => a < b);
    const values = Array.from({ length: 2_000 }, () => Math.floor(random() * 500));
    for (const v of values) heap.push(v);
    expect(heap.size).toBe(values.length);
    const out: number[] = [];
    for (let v = heap.pop(); v !== undefined; v = heap.pop()) out.push(v);
    expect(out).toEqual([...values].sort((a, b) => a - b));
    expect(heap.pop()).toBeUndefined();
  });

  it('heap interleaves pushes and pops correctly', () => {
    const random = seededRandom(9);
    const heap = new BinaryHeap<number>((a, b) => a < b);
    const mirror: number[] = [];
    for (let i = 0; i < 5_000; i++) {
      if (random() < 0.6 || mirror.length === 0) {
        const v = random();
        heap.push(v);
        mirror.push(v);
      } else {
        mirror.sort((a, b) => a - b);
        expect(heap.pop()).toBe(mirror.shift());
      }
      expect(heap.peek()).toBe(mirror.length > 0 ? Math.min(...mirror) : undefined);
    }
  });

  it('deque pushes, shifts and unshifts across buffer growth', () => {
    const d = new Deque<number>();
    const mirror: number[] = [];
    for (let i = 0; i < 100; i++) {
      d.push(i);
      mirror.push(i);
      if (i % 3 === 0) {
        d.unshift(-i);
        mirror.unshift(-i);
      }
      if (i % 5 === 0) expect(d.shift()).toBe(mirror.shift());
    }
    expect(d.size).toBe(mirror.length);
    expect(d.first).toBe(mirror[0]);
    expect(d.last).toBe(mirror[mirror.length - 1]);
    const out: number[] = [];
    for (let v = d.shift(); v !== undefined; v = d.shift()) out.push(v);
    expect(out).toEqual(mirror);
  });

  it('timeline orders by (at, seq) over in-order and out-of-order pushes', () => {
    const random = seededRandom(5);
    const t = new Timeline<string>(() => true);
    const entries: { at: number; seq: number }[] = [];
    for (let i = 0; i < 1_000; i++) {
      // mostly increasing times (the sorted run), sometimes earlier ones (the heap)
      const at = random() < 0.8 ? i * 10 : Math.floor(random() * i * 10);
      const seq = Math.floor(random() * 100);
      t.push(at, seq, `${at}:${seq}`, 0);
      entries.push({ at, seq });
    }
    entries.sort((a, b) => a.at - b.at || a.seq - b.seq);
    const out: string[] = [];
    for (let e = t.pop(); e !== undefined; e = t.pop()) out.push(e.item);
    expect(out).toEqual(entries.map((e) => `${e.at}:${e.seq}`));
  });

  it('timeline skips dead entries lazily', () => {
    const items = [
      { name: 'a', gen: 0 },
      { name: 'b', gen: 0 },
      { name: 'c', gen: 0 },
    ];
    const t = new Timeline<{ name: string; gen: number }>((e) => e.gen === e.item.gen);
    for (const [i, item] of items.entries()) t.push(i, i, item, item.gen);
    (items[0] as { gen: number }).gen++; // a is dead
    (items[2] as { gen: number }).gen++; // the c entry is dead…
    t.push(0.5, 9, items[2] as { name: string; gen: number }, 1); // …and c is re-scheduled earlier than b
    expect(t.pop()?.item.name).toBe('c');
    expect(t.pop()?.item.name).toBe('b');
    expect(t.pop()).toBeUndefined();
  });

  it('dedup window remembers an id within the window only', () => {
    const w = new DedupWindow();
    w.record('k', 'id-1', 1_000, 5_000);
    expect(w.lookup('k', 5_999)).toBe('id-1');
    expect(w.lookup('k', 6_000)).toBeUndefined();
    expect(w.size).toBe(0);
    w.record('k', 'id-2', 6_000, 5_000);
    expect(w.lookup('k', 7_000)).toBe('id-2');
  });

  it('seeded random repeats and stays in [0, 1)', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    for (let i = 0; i < 100; i++) {
      const x = a();
      expect(x).toBe(b());
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
    }
  });
});
