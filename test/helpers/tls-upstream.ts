// A loopback HTTPS (and plain HTTP) server standing for a third-party API: its own test CA (written
// to a file, as an operator's AGENTD_EGRESS_EXTRA_CA_FILE), a certificate for the loopback
// addresses it listens on, and a record of every request it receives.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import forge from 'node-forge';

export interface SeenRequest {
  scheme: 'http' | 'https';
  host: string;
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface Upstream {
  /** The test CA's PEM file. */
  caFile: string;
  /** Port per address and scheme, e.g. ports['127.0.0.2'].https. */
  ports: Record<string, { http: number; https: number }>;
  seen: SeenRequest[];
  close(): Promise<void>;
}

function rsa(): forge.pki.rsa.PrivateKey {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  return forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs1', format: 'pem' }).toString()) as forge.pki.rsa.PrivateKey;
}

function certificate(
  subject: string,
  key: forge.pki.rsa.PrivateKey,
  issuer: { cert?: forge.pki.Certificate; key: forge.pki.rsa.PrivateKey },
  ips: string[],
): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  cert.serialNumber = '01' + crypto.randomBytes(8).toString('hex');
  cert.validity.notBefore = new Date(Date.now() - 86_400_000);
  cert.validity.notAfter = new Date(Date.now() + 86_400_000);
  cert.setSubject([{ name: 'commonName', value: subject }]);
  cert.setIssuer(issuer.cert ? issuer.cert.subject.attributes : [{ name: 'commonName', value: subject }]);
  cert.setExtensions(
    issuer.cert
      ? [
          { name: 'basicConstraints', cA: false },
          { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
          { name: 'extKeyUsage', serverAuth: true },
          { name: 'subjectAltName', altNames: ips.map((ip) => ({ type: 7, ip })) },
        ]
      : [
          { name: 'basicConstraints', cA: true, critical: true },
          { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
        ],
  );
  cert.sign(issuer.key, forge.md.sha256.create());
  return cert;
}

export async function startUpstream(addresses: string[]): Promise<Upstream> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentd-upstream-'));
  const caKey = rsa();
  const ca = certificate('agentd test upstream CA', caKey, { key: caKey }, []);
  const key = rsa();
  const cert = certificate('agentd test upstream', key, { cert: ca, key: caKey }, addresses);
  const caFile = path.join(dir, 'ca.pem');
  fs.writeFileSync(caFile, forge.pki.certificateToPem(ca));
  const seen: SeenRequest[] = [];
  const handler = (scheme: 'http' | 'https', host: string) => (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ scheme, host, method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() });
      // /echo reflects the Authorization header (a careless API would); nothing else echoes what it received.
      if (req.url === '/echo') {
        res.setHeader('x-echo', req.headers.authorization ?? '');
        res.end(`you sent: ${req.headers.authorization ?? ''}\n`);
        return;
      }
      // /echo-gzip reflects it in a gzip body, whatever the client accepts (some servers compress regardless).
      if (req.url === '/echo-gzip') {
        res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip', 'x-accept-encoding': req.headers['accept-encoding'] ?? '' });
        res.end(zlib.gzipSync(`you sent: ${req.headers.authorization ?? ''}\n`));
        return;
      }
      res.end(`received by ${scheme}://${host}\n`);
    });
  };
  const servers: http.Server[] = [];
  const ports: Upstream['ports'] = {};
  const tlsOptions = { key: forge.pki.privateKeyToPem(key), cert: forge.pki.certificateToPem(cert) };
  for (const address of addresses) {
    const plain = http.createServer(handler('http', address));
    const secure = https.createServer(tlsOptions, handler('https', address));
    for (const s of [plain, secure]) {
      await new Promise<void>((resolve) => s.listen(0, address, resolve));
      servers.push(s);
    }
    ports[address] = { http: (plain.address() as AddressInfo).port, https: (secure.address() as AddressInfo).port };
  }
  return {
    caFile,
    ports,
    seen,
    close: async () => {
      for (const s of servers) {
        s.closeAllConnections();
        await new Promise<void>((resolve) => s.close(() => resolve()));
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
