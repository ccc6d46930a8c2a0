import { createRequire } from 'node:module';
import { createRing } from '../../gateway/ring.ts';

const require = createRequire(import.meta.url);

/** One ring instance under test: a lookup plus, where the library has them, in-place changes. */
export interface RingUnderTest {
  get(key: string): string;
  /** In-place add on this instance (a long-lived process applying a change); undefined if immutable. */
  add?(member: string): void;
  remove?(member: string): void;
}

/** A ring implementation and how it is built from a member list. */
export interface RingImpl {
  name: string;
  /** How it is configured, for the table. */
  config: string;
  build(members: readonly string[]): RingUnderTest;
}

interface ConsistentHashLib {
  add(node: string): unknown;
  remove(node: string): unknown;
  get(name: string): string | null;
}
type ConsistentHashCtor = new (options?: Record<string, unknown>) => ConsistentHashLib;

interface HashRingLib {
  get(key: string): string;
  add(server: string): unknown;
  remove(server: string): unknown;
}
type HashRingCtor = new (servers: string[] | Record<string, unknown>, algorithm?: string) => HashRingLib;

function wrapMutable(lib: ConsistentHashLib | HashRingLib): RingUnderTest {
  return {
    get: (key) => lib.get(key) as string,
    add: (m) => void lib.add(m),
    remove: (m) => void lib.remove(m),
  };
}

/** Fleetgate's weighted rendezvous ring (immutable: a change is a rebuild, which is what it does). */
export const fleetgateRing: RingImpl = {
  name: 'Fleetgate (gateway/ring.ts)',
  config: 'weighted rendezvous, MurmurHash3, weight 1',
  build(members) {
    const ring = createRing(members.map((id) => ({ id, weight: 1 })));
    return { get: (key) => ring.candidates(key, 1)[0]! };
  },
};

/** `consistent-hash` 1.2 with its defaults: 40 control points per node placed with Math.random(). */
export const consistentHashDefault: RingImpl = {
  name: 'consistent-hash (default)',
  config: '40 points/node at Math.random() positions, PJW hash, range 100003',
  build(members) {
    const Ctor = require('consistent-hash') as ConsistentHashCtor;
    const ring = new Ctor();
    for (const m of members) ring.add(m);
    return wrapMutable(ring);
  },
};

/**
 * `consistent-hash` in its deterministic configuration: `distribution: 'uniform'` spaces each node's
 * points evenly around the ring (no Math.random), and `orderNodes` sorts the new nodes so the
 * placement does not depend on insertion order (read from consistent-hash.js `_buildKeyMap`).
 */
export const consistentHashUniform: RingImpl = {
  name: 'consistent-hash (uniform, sorted)',
  config: "distribution 'uniform', orderNodes = sort, 40 points/node",
  build(members) {
    const Ctor = require('consistent-hash') as ConsistentHashCtor;
    const ring = new Ctor({
      distribution: 'uniform',
      orderNodes: (nodes: string[]) => [...nodes].sort(),
    });
    for (const m of members) ring.add(m);
    return wrapMutable(ring);
  },
};

/** `hashring` 3.2 (ketama-compatible: MD5, 40 vnodes × 4 replicas = 160 points per server). */
export const hashring: RingImpl = {
  name: 'hashring',
  config: 'ketama: MD5, 160 points/server, LRU lookup cache 5000',
  build(members) {
    const Ctor = require('hashring') as HashRingCtor;
    return wrapMutable(new Ctor([...members]));
  },
};

/** Every implementation compared, Fleetgate's first. */
export const RING_IMPLS: readonly RingImpl[] = [
  fleetgateRing,
  consistentHashDefault,
  consistentHashUniform,
  hashring,
];
