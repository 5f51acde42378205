// Which conversation each recent reply belongs to, known the moment the reply's id is: a thread continuation can
// arrive before the ledger row of the reply it continues is written (that happens after the response is sent).
const MAX_ENTRIES = 10_000;

const key = (workspaceId: string, messageId: string) => `${workspaceId}\u0000${messageId}`;

export class RecentReplies {
  private readonly conversations = new Map<string, string>();

  /** Keyed by workspace too, as the ledger's lookup is: a reply id is one workspace's. */
  remember(workspaceId: string, messageId: string | null, conversationId: string | undefined): void {
    if (messageId === null || conversationId === undefined) return;
    this.conversations.set(key(workspaceId, messageId), conversationId);
    // Oldest first in a Map: drop the oldest once full.
    if (this.conversations.size > MAX_ENTRIES) this.conversations.delete(this.conversations.keys().next().value!);
  }

  conversationOf(workspaceId: string, messageId: string): string | undefined {
    return this.conversations.get(key(workspaceId, messageId));
  }
}
