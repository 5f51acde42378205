// Ids as a dependency: pure code that creates records takes an id source, so a replay with a
// deterministic source yields exactly the same log.
import type { IdPrefix } from '../api/ids.js';

export type NewId = (prefix: IdPrefix) => string;
