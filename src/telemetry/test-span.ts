// The destination test: one span named `anthropic.test`, posted once (no retries, no redirects
// followed) as OTLP/HTTP protobuf with the destination's headers; the answer in delivery_health's words.
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { deliveryError } from './span-export.js';

const TEST_TIMEOUT_MS = 10_000;

export async function sendTestSpan(url: string, headers: Record<string, string>, serviceName: string): Promise<{ ok: true } | { ok: false; error: string }> {
  const provider = new BasicTracerProvider({ resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName }) });
  const span = provider.getTracer('agentd').startSpan('anthropic.test');
  span.end();
  const body = ProtobufTraceSerializer.serializeRequest([span as unknown as ReadableSpan]);
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/x-protobuf' },
      body: body ?? new Uint8Array(),
      redirect: 'manual',
      signal: AbortSignal.timeout(TEST_TIMEOUT_MS),
    });
    await res.arrayBuffer().catch(() => undefined);
    if (res.status >= 200 && res.status < 300) return { ok: true };
    if (res.status >= 300 && res.status < 400) return { ok: false, error: `redirect (status ${res.status})` };
    return { ok: false, error: `HTTP error (status ${res.status})` };
  } catch (err) {
    return { ok: false, error: deliveryError(err) };
  }
}
