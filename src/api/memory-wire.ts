// Wire types of memory stores, memories and memory versions, re-exported from the pinned @anthropic-ai/sdk.
export type {
  BetaManagedAgentsMemoryStore as MemoryStore,
  BetaManagedAgentsDeletedMemoryStore as DeletedMemoryStore,
} from '@anthropic-ai/sdk/resources/beta/memory-stores/memory-stores.js';
export type {
  BetaManagedAgentsMemory as Memory,
  BetaManagedAgentsMemoryPrefix as MemoryPrefix,
  BetaManagedAgentsMemoryListItem as MemoryListItem,
  BetaManagedAgentsDeletedMemory as DeletedMemory,
  BetaManagedAgentsMemoryView as MemoryView,
} from '@anthropic-ai/sdk/resources/beta/memory-stores/memories.js';
export type {
  BetaManagedAgentsMemoryVersion as MemoryVersion,
  BetaManagedAgentsMemoryVersionOperation as MemoryVersionOperation,
  BetaManagedAgentsActor as Actor,
} from '@anthropic-ai/sdk/resources/beta/memory-stores/memory-versions.js';
export type { BetaManagedAgentsMemoryStoreResource as MemoryStoreResource } from '@anthropic-ai/sdk/resources/beta/sessions/resources.js';
