// Flipper's percentage-of-actors rule: crc32(flag + actorId) % 100000 < percentage * 1000.
import { actorBucket, isInPercentageOfActors } from '../flags/percentage-of-actors';

const FLAG = 'route_hll_to_snowplow_phase3';

// crc32 values computed independently with Python, e.g.
//   python3 -c "import zlib; print(zlib.crc32(b'route_hll_to_snowplow_phase3project:gitlab-org/gitlab'))"
const CRC32 = {
  'project:gitlab-org/gitlab': 4031636167, // bucket 36167
  'project:gitlab-org/gitlab-foss': 605450383, // bucket 50383
  'group:gitlab-com': 1260911715, // bucket 11715
  'user:alice': 1393070808, // bucket 70808
  'user:u186': 3084201204, // bucket 1204
  'user:u93': 940698862, // bucket 98862
  'user:u63594': 1267102007, // bucket 2007, found by searching user:u0… for bucket 2007
} as const;

describe('percentage of actors', () => {
  it.each(Object.entries(CRC32))('puts %s in bucket crc32 %% 100000 (crc32 %d)', (actor, crc) => {
    expect(actorBucket(FLAG, actor)).toBe(crc % 100000);
  });

  it.each([
    ['project:gitlab-org/gitlab', 36.167, false], // bucket 36167 is not < 36167
    ['project:gitlab-org/gitlab', 36.168, true],
    ['project:gitlab-org/gitlab', 25, false],
    ['project:gitlab-org/gitlab', 50, true],
    ['project:gitlab-org/gitlab-foss', 50, false],
    ['project:gitlab-org/gitlab-foss', 75, true],
    ['group:gitlab-com', 10, false],
    ['group:gitlab-com', 25, true],
    ['user:alice', 75, true],
    ['user:alice', 50, false],
    ['user:u186', 1, false],
    ['user:u186', 1.25, true], // fractional percentages work: 1.25 * 1000 = 1250 > 1204
    ['user:u93', 98, false],
    ['user:u93', 99, true],
  ])('%s at %d%% → %s', (actor, percentage, expected) => {
    expect(isInPercentageOfActors(FLAG, actor, percentage)).toBe(expected);
  });

  it('rounds the scaled percentage so float error never lets a boundary actor in', () => {
    expect(2.007 * 1000).toBeGreaterThan(2007); // 2007.0000000000002 in IEEE doubles
    expect(isInPercentageOfActors(FLAG, 'user:u63594', 2.007)).toBe(false); // bucket 2007
    expect(isInPercentageOfActors(FLAG, 'user:u63594', 2.008)).toBe(true);
  });

  it('never opens at 0 and always opens at 100', () => {
    for (const actor of Object.keys(CRC32)) {
      expect(isInPercentageOfActors(FLAG, actor, 0)).toBe(false);
      expect(isInPercentageOfActors(FLAG, actor, 100)).toBe(true);
    }
  });

  it('depends on the flag name as well as the actor', () => {
    expect(actorBucket('another_flag', 'project:gitlab-org/gitlab')).not.toBe(actorBucket(FLAG, 'project:gitlab-org/gitlab'));
  });

  describe('over 1000 actors user:u0 … user:u999', () => {
    const actors = Array.from({ length: 1000 }, (_, n) => `user:u${n}`);
    const inside = (percentage: number) => actors.filter((actor) => isInPercentageOfActors(FLAG, actor, percentage));

    it('opens for the counts Python computes', () => {
      // python3: sum(zlib.crc32(('route_hll_to_snowplow_phase3user:u%d' % n).encode()) % 100000 < p * 1000 for n in range(1000))
      expect([1, 10, 25, 50, 75, 100].map((p) => inside(p).length)).toEqual([8, 101, 237, 516, 755, 1000]);
    });

    it('is monotonic: actors inside at 10% stay inside at 25% and 50%', () => {
      const at10 = inside(10);
      const at25 = new Set(inside(25));
      const at50 = new Set(inside(50));
      expect(at10.length).toBeGreaterThan(0);
      for (const actor of at10) {
        expect(at25.has(actor)).toBe(true);
        expect(at50.has(actor)).toBe(true);
      }
      for (const actor of at25) expect(at50.has(actor)).toBe(true);
    });
  });
});
