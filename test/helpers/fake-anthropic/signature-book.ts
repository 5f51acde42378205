// Remembers the thinking blocks this fake emitted, so a replayed block with a forged or edited signature is refused.
import { newThinkingSignature } from './ids.js';
import type { ThinkingProof } from './validate-request.js';

export class SignatureBook {
  private readonly thinking = new Map<string, string>();
  private readonly redacted = new Set<string>();
  private readonly encrypted = new Set<string>();

  /** Records a thinking block (signing it when the script gave no signature) and returns its signature. */
  sign(thinking: string, signature: string = newThinkingSignature()): string {
    this.thinking.set(signature, thinking);
    return signature;
  }

  recordRedacted(data: string): void {
    this.redacted.add(data);
  }

  /** A web search hit's encrypted_content, which must come back unedited. */
  recordEncrypted(content: string): void {
    this.encrypted.add(content);
  }

  /** Valid when the fake emitted exactly this block: the signature binds the thinking text, as the real one does. */
  verify = (proof: ThinkingProof): boolean =>
    proof.type === 'thinking'
      ? this.thinking.get(proof.signature) === proof.thinking
      : proof.type === 'web_search_result'
        ? this.encrypted.has(proof.encrypted_content)
        : this.redacted.has(proof.data);
}
