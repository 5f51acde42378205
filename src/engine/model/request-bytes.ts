// The bytes of a Messages request body as they go on the wire.
import type { RawMessagesBody } from './model-client.js';

export const requestBytes = (body: RawMessagesBody): Buffer => Buffer.from(JSON.stringify(body), 'utf8');
