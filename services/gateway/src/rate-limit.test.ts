import { describe, expect, it } from 'vitest';
import { MessageRateLimit } from './rate-limit.js';

describe('inbound message rate limit', () => {
  it("allows a second's burst, then refills at the configured rate", () => {
    let now = 0;
    const limit = new MessageRateLimit(50, () => now);
    for (let i = 0; i < 50; i++) expect(limit.take()).toBe(true);
    expect(limit.take()).toBe(false);
    now += 100; // 5 more
    for (let i = 0; i < 5; i++) expect(limit.take()).toBe(true);
    expect(limit.take()).toBe(false);
  });

  it("never trips on Exotel's pace of ~10 frames a second plus marks", () => {
    let now = 0;
    const limit = new MessageRateLimit(50, () => now);
    for (let i = 0; i < 6000; i++) {
      now += 50; // 20 messages a second for 5 minutes
      expect(limit.take()).toBe(true);
    }
  });
});
