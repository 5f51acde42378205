// What the vault use cases need: the store, a clock and the box that seals secrets.
import type { SecretBox } from '../../secrets/secret-box.js';
import type { Store } from '../../store/types.js';

export interface VaultDeps {
  readonly store: Store;
  readonly now: () => string;
  readonly secrets: SecretBox;
}
