// HTTP that Node's parser refuses before there is a request (a malformed request line or header,
// headers over the size limit, an unknown method, a bad chunk, a request timeout) is answered on
// the socket in the standard envelope — never with Fastify's own body. There is no request to
// authenticate yet, so this is the one refusal that comes before authentication; it names no
// resource. The connection is then closed: after a parse error its bytes cannot be trusted.
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { newId } from '../api/ids.js';
import { ApiError, invalidRequest, toEnvelope } from '../errors.js';

function classify(code: string | undefined): ApiError {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return new ApiError(431, 'request_too_large', 'the request line and headers are larger than this server accepts');
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new ApiError(408, 'invalid_request_error', 'the request was not received in time');
    default:
      return invalidRequest('malformed HTTP request');
  }
}

export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  // A reset connection has nobody to answer.
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  if (socket.writable) {
    const apiError = classify(err.code);
    const requestId = newId('req');
    const body = JSON.stringify(toEnvelope(apiError, requestId));
    socket.write(
      `HTTP/1.1 ${apiError.status} ${STATUS_CODES[apiError.status]}\r\n` +
        `content-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
        `request-id: ${requestId}\r\nconnection: close\r\n\r\n${body}`,
    );
    socket.destroySoon(); // once the answer is flushed
    return;
  }
  socket.destroy();
}
