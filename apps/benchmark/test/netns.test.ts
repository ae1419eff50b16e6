/** The distributed suite's two "machines": rate parsing, and a namespace pair with a tbf limit (skipped, saying why, where the kernel refuses). */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { createNamespacePair, rateBytesPerSecond } from '../src/netns.js';

describe('rateBytesPerSecond', () => {
  it("reads tc's rates as bytes per second", () => {
    expect(rateBytesPerSecond('10gbit')).toBe(1.25e9);
    expect(rateBytesPerSecond('1Gbit')).toBe(1.25e8);
    expect(rateBytesPerSecond('500mbit')).toBe(6.25e7);
    expect(rateBytesPerSecond('2.5kbit')).toBe(312.5);
    expect(() => rateBytesPerSecond('fast')).toThrow(/a tbf rate like 10gbit/);
  });
});

const probe = createNamespacePair('t', '1gbit');
const refused = typeof probe === 'string' ? probe : null;
if (typeof probe !== 'string') probe.remove();
if (refused != null) console.warn(`[benchmark] the namespace pair test is skipped: ${refused}`);

describe.skipIf(refused != null)('createNamespacePair', () => {
  it('joins two namespaces by a rate-limited veth pair, and removes them', () => {
    const pair = createNamespacePair('t', '1gbit');
    if (typeof pair === 'string') throw new Error(pair);
    try {
      expect(pair.qdisc).toMatch(/^qdisc tbf .* rate 1Gbit /);
      const namespaces = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
      for (const ns of pair.names) expect(namespaces).toContain(ns);
      // rank 1's end carries rank 0's subnet: the address rank 1 reaches MASTER_ADDR through
      const shown = spawnSync('ip', ['-n', pair.names[1], '-o', 'addr', 'show', 'dev', pair.links[1]], { encoding: 'utf8' }).stdout;
      expect(shown).toContain(`${pair.addresses[1]}/24`);
      expect(pair.addresses[0].split('.').slice(0, 3)).toEqual(pair.addresses[1].split('.').slice(0, 3));
    } finally {
      pair.remove();
    }
    const after = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
    for (const ns of pair.names) expect(after).not.toContain(ns);
  });
});
