// Unsubscribing twice (a stream's close runs from several paths) must not drop a later subscriber of the same
// session: before this, the second call deleted the session's new set and a reconnected stream heard nothing.
import { describe, expect, it } from 'vitest';
import { InProcessDeltaChannel } from '../../src/events/delta-channel.js';
import { InProcessEventBus } from '../../src/events/event-bus.js';
import { KeyedSets } from '../../src/events/keyed-sets.js';
import type { EventRecord } from '../../src/store/types.js';

describe('keyed listener sets', () => {
  it('removal is idempotent and never removes a set created after it', () => {
    const sets = new KeyedSets<string, string>();
    const removeA = sets.add('s1', 'a');
    removeA();
    const removeB = sets.add('s1', 'b');
    removeA();
    expect(sets.list('s1')).toEqual(['b']);
    removeB();
    expect(sets.has('s1')).toBe(false);
  });

  it('a reconnected follower keeps hearing the session after the old one unsubscribes again', () => {
    const bus = new InProcessEventBus();
    const heard: number[] = [];
    const follower = (tag: number) => ({ onEvents: () => heard.push(tag), onEnd: () => {}, onMissed: () => {} });
    const stopOld = bus.subscribe('sess_1', follower(1));
    stopOld();
    bus.subscribe('sess_1', follower(2));
    stopOld();
    bus.publish('sess_1', [{ seq: 1 } as EventRecord]);
    expect(heard).toEqual([2]);

    const deltas = new InProcessDeltaChannel();
    const stopOldDeltas = deltas.subscribe('sess_1', () => heard.push(3));
    stopOldDeltas();
    deltas.subscribe('sess_1', () => heard.push(4));
    stopOldDeltas();
    expect(deltas.hasListeners('sess_1')).toBe(true);
  });
});
