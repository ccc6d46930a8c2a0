import { describe, expect, it } from 'vitest';
import { coldCause, routedColdCause } from './cold-cause.ts';

const active = (ids: string[]) => (h: string) => ids.includes(h);

describe('cold-start causes', () => {
  it('a cold execution the activator saw', () => {
    expect(coldCause(undefined, active(['a']), 'a')).toBe('first-call');
    expect(coldCause({ warmOn: ['a'], owner: 'a' }, active(['a', 'b']), 'a')).toBe('after-reaping');
    expect(coldCause({ warmOn: [], owner: 'a' }, active(['a']), 'a')).toBe('after-reaping');
    // The host it was warm on drained or left.
    expect(coldCause({ warmOn: ['a'], owner: 'a' }, active(['b']), 'b')).toBe('after-move');
    // A host joined and owns it now.
    expect(coldCause({ warmOn: [], owner: 'a' }, active(['a', 'c']), 'c')).toBe('after-move');
  });

  it('an execution routed to a host where it was not warm while it was warm on another', () => {
    expect(routedColdCause(['a'], 'a', 'a', 'a')).toBeUndefined();
    expect(routedColdCause([], 'b', 'b', 'a')).toBeUndefined();
    expect(routedColdCause(['a'], undefined, 'a', 'a')).toBeUndefined();
    expect(routedColdCause(['a'], 'b', 'a', 'a')).toBe('overflow');
    expect(routedColdCause(['a'], 'b', 'b', 'b')).toBe('overflow');
    expect(routedColdCause(['a'], 'c', 'c', 'a')).toBe('after-move');
  });
});
