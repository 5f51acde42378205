// The sandbox settings items compare: the server's default (bubblewrap once that lands) and, when
// the built server has the knob, AGENTD_SANDBOX=none (tools run directly: the harness alone).
import { sandboxInfo } from './machine.js';

export interface SandboxVariant {
  key: 'default' | 'none';
  note: string;
  env: Record<string, string>;
}

export function sandboxVariants(only?: string[]): SandboxVariant[] {
  const info = sandboxInfo();
  const all: SandboxVariant[] = [
    { key: 'default', note: `sandbox: ${info.wiring}`, env: {} },
    ...(info.knob ? [{ key: 'none' as const, note: 'AGENTD_SANDBOX=none', env: { AGENTD_SANDBOX: 'none' } }] : []),
  ];
  return only ? all.filter((v) => only.includes(v.key)) : all;
}
