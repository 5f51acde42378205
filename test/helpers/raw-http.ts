// Raw HTTP for tests: bytes sent exactly as given on a fresh socket (malformed requests Node's
// client would refuse to send), and the one response read back up to the connection's close.
import net from 'node:net';

export interface Answer {
  status: number;
  contentType: string;
  requestId: string | undefined;
  body: string;
}

const RESPONSE_TIMEOUT_MS = 10_000;

/** Sends bytes as they are and reads one response up to the connection's close. */
export function sendRaw(base: URL, bytes: Buffer | string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(base.port), base.hostname);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(new Error('no response (timeout)')), RESPONSE_TIMEOUT_MS);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (err) => {
      clearTimeout(timer);
      // The server may close the connection while we are still writing; what it answered counts.
      if (chunks.length > 0) finish();
      else reject(err);
    });
    const finish = () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('utf8');
      const headEnd = text.indexOf('\r\n\r\n');
      const head = headEnd < 0 ? text : text.slice(0, headEnd);
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
      const header = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(head)?.[1]?.trim();
      let body = headEnd < 0 ? '' : text.slice(headEnd + 4);
      if (/^transfer-encoding:\s*chunked/im.test(head)) body = dechunk(body);
      resolve({ status, contentType: header('content-type') ?? '', requestId: header('request-id'), body });
    };
    socket.on('end', finish);
    socket.write(bytes);
  });
}

function dechunk(body: string): string {
  let out = '';
  let rest = body;
  for (;;) {
    const eol = rest.indexOf('\r\n');
    const size = parseInt(rest.slice(0, eol), 16);
    if (eol < 0 || !(size > 0)) return out;
    out += rest.slice(eol + 2, eol + 2 + size);
    rest = rest.slice(eol + 2 + size + 2);
  }
}

