// AWS event-stream binary framing (prelude, string headers, payload, CRC32s), as Bedrock streams responses.
import { crc32 } from 'node:zlib';

const STRING_HEADER = 7;

function uint32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b;
}

function encodeHeaders(headers: Readonly<Record<string, string>>): Buffer {
  return Buffer.concat(
    Object.entries(headers).map(([name, value]) => {
      const n = Buffer.from(name, 'utf8');
      const v = Buffer.from(value, 'utf8');
      const head = Buffer.alloc(1 + n.length + 3);
      head.writeUInt8(n.length, 0);
      n.copy(head, 1);
      head.writeUInt8(STRING_HEADER, 1 + n.length);
      head.writeUInt16BE(v.length, 2 + n.length);
      return Buffer.concat([head, v]);
    }),
  );
}

/** One event-stream message: total length, headers length, prelude CRC, headers, payload, message CRC. */
export function eventStreamMessage(headers: Readonly<Record<string, string>>, payload: Buffer): Buffer {
  const encoded = encodeHeaders(headers);
  const prelude = Buffer.concat([uint32(12 + encoded.length + payload.length + 4), uint32(encoded.length)]);
  const body = Buffer.concat([prelude, uint32(crc32(prelude)), encoded, payload]);
  return Buffer.concat([body, uint32(crc32(body))]);
}

/** A Bedrock `chunk` event: the Anthropic stream event's JSON, base64 in `bytes`. */
export function chunkFrame(eventJson: string): Buffer {
  const payload = JSON.stringify({ bytes: Buffer.from(eventJson, 'utf8').toString('base64') });
  return eventStreamMessage(
    { ':event-type': 'chunk', ':content-type': 'application/json', ':message-type': 'event' },
    Buffer.from(payload, 'utf8'),
  );
}

/** A Bedrock exception frame, e.g. `throttlingException`, ending the stream. */
export function exceptionFrame(exceptionType: string, message: string): Buffer {
  return eventStreamMessage(
    { ':exception-type': exceptionType, ':content-type': 'application/json', ':message-type': 'exception' },
    Buffer.from(JSON.stringify({ message }), 'utf8'),
  );
}
