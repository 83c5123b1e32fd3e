import { describe, expect, it } from 'vitest';
import { PublishBatch } from './publish-batch.js';

describe('publish batch', () => {
  it('runs deferred publishes together after the current turn, in order', async () => {
    const batch = new PublishBatch();
    const ran: number[] = [];
    for (let i = 0; i < 5; i++) batch.defer(() => ran.push(i));
    expect(ran).toEqual([]);
    await new Promise((r) => setImmediate(r));
    expect(ran).toEqual([0, 1, 2, 3, 4]);
  });

  it('flush runs what is pending at once, and a failing publish does not stop the rest', async () => {
    const errors: unknown[] = [];
    const batch = new PublishBatch((err) => errors.push(err));
    const ran: string[] = [];
    batch.defer(() => ran.push('a'));
    batch.defer(() => {
      throw new Error('nats closed');
    });
    batch.defer(() => ran.push('b'));
    batch.flush();
    expect(ran).toEqual(['a', 'b']);
    expect(errors).toHaveLength(1);
    batch.defer(() => ran.push('c'));
    await new Promise((r) => setImmediate(r));
    expect(ran).toEqual(['a', 'b', 'c']);
  });
});
