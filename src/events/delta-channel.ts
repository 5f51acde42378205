// The best-effort channel for live previews (`event_start` / `event_delta`): what the engine sees
// while a model call streams, passed to the streams of the same process that opted in with
// `event_deltas`. Nothing here is written to the log: a client that reconnects gets the durable
// events it missed, never the previews of events already completed.
import { KeyedSets } from './keyed-sets.js';
import type { BetaManagedAgentsDeltaEvent, BetaManagedAgentsDeltaType, BetaManagedAgentsStartEvent } from '@anthropic-ai/sdk/resources/beta/sessions/sessions.js';

/** One preview frame and the event type it previews (streams filter on it). */
export interface DeltaFrame {
  previews: BetaManagedAgentsDeltaType;
  body: BetaManagedAgentsStartEvent | BetaManagedAgentsDeltaEvent;
}

export interface DeltaChannel {
  publish(sessionId: string, frame: DeltaFrame): void;
  /** Whether any stream of the session listens (the engine skips building frames otherwise). */
  hasListeners(sessionId: string): boolean;
  subscribe(sessionId: string, listener: (frame: DeltaFrame) => void): () => void;
}

export class InProcessDeltaChannel implements DeltaChannel {
  private readonly listeners = new KeyedSets<string, (frame: DeltaFrame) => void>();

  publish(sessionId: string, frame: DeltaFrame): void {
    for (const l of this.listeners.list(sessionId)) l(frame);
  }

  hasListeners(sessionId: string): boolean {
    return this.listeners.has(sessionId);
  }

  subscribe(sessionId: string, listener: (frame: DeltaFrame) => void): () => void {
    return this.listeners.add(sessionId, listener);
  }
}
