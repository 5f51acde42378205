// The egress proxy's certificate authority: generated once per server into its data dir (key mode
// 0600), trusted by sandboxes only (through a CA bundle mounted into them), and used to mint a
// certificate for each host whose HTTPS traffic the proxy opens to substitute credentials.
// Certificates are built with node-forge; keys come from node:crypto (fast, native).
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { createRequire } from 'node:module';
import type Forge from 'node-forge';

// node-forge is required at the CA's first use (synchronously; it ships CommonJS): a server whose
// sandboxes never intercept TLS never loads it, and start-up does not wait for it.
let forgeModule: typeof Forge | undefined;
const forge = (): typeof Forge => (forgeModule ??= createRequire(import.meta.url)('node-forge') as typeof Forge);

/** Where distributions keep the system's trusted roots (the first that exists is used). */
const SYSTEM_BUNDLES = ['/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt', '/etc/ssl/cert.pem'];
const DAY_MS = 86_400_000;
/** Minted host certificates live this long; the cache renews them well before. */
const LEAF_DAYS = 30;

function rsaKey(): Forge.pki.rsa.PrivateKey {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  return forge().pki.privateKeyFromPem(privateKey.export({ type: 'pkcs1', format: 'pem' }).toString()) as Forge.pki.rsa.PrivateKey;
}

const serial = () => '01' + crypto.randomBytes(15).toString('hex');

function writePrivate(file: string, text: string, mode: number): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text, { mode });
  fs.renameSync(tmp, file);
}

/** The system's trusted roots as PEM text (Node's bundled roots where the system has no bundle). */
export function systemRoots(): string {
  for (const file of SYSTEM_BUNDLES) {
    try {
      return fs.readFileSync(file, 'utf8');
    } catch {
      // try the next
    }
  }
  return tls.rootCertificates.join('\n');
}

export class EgressCa {
  private readonly cert: Forge.pki.Certificate;
  private readonly key: Forge.pki.rsa.PrivateKey;
  /** One key for every minted host certificate of this process. */
  private readonly leafKey = rsaKey();
  private readonly leafKeyPem: string;
  private readonly contexts = new Map<string, { context: tls.SecureContext; renewAt: number }>();
  /** The CA certificate, PEM. */
  readonly certPem: string;

  private constructor(cert: Forge.pki.Certificate, key: Forge.pki.rsa.PrivateKey) {
    this.cert = cert;
    this.key = key;
    this.certPem = forge().pki.certificateToPem(cert);
    this.leafKeyPem = forge().pki.privateKeyToPem(this.leafKey);
  }

  /** Loads `<dir>/ca.key` + `ca.crt`, generating them (key mode 0600) the first time. */
  static loadOrCreate(dir: string): EgressCa {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const keyFile = path.join(dir, 'ca.key');
    const certFile = path.join(dir, 'ca.crt');
    if (fs.existsSync(keyFile) && fs.existsSync(certFile)) {
      const cert = forge().pki.certificateFromPem(fs.readFileSync(certFile, 'utf8'));
      if (cert.validity.notAfter.getTime() - Date.now() > 30 * DAY_MS) {
        return new EgressCa(cert, forge().pki.privateKeyFromPem(fs.readFileSync(keyFile, 'utf8')) as Forge.pki.rsa.PrivateKey);
      }
      // Close to expiry: replaced by a new one below (sandboxes get the new bundle at their next start).
    }
    const key = rsaKey();
    const cert = forge().pki.createCertificate();
    cert.publicKey = forge().pki.setRsaPublicKey(key.n, key.e);
    cert.serialNumber = serial();
    cert.validity.notBefore = new Date(Date.now() - DAY_MS);
    cert.validity.notAfter = new Date(Date.now() + 3650 * DAY_MS);
    const name = [
      { name: 'commonName', value: `agentd egress proxy CA (${os.hostname()})` },
      { name: 'organizationName', value: 'agentd' },
    ];
    cert.setSubject(name);
    cert.setIssuer(name);
    cert.setExtensions([
      { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
      { name: 'subjectKeyIdentifier' },
    ]);
    cert.sign(key, forge().md.sha256.create());
    writePrivate(keyFile, forge().pki.privateKeyToPem(key), 0o600);
    writePrivate(certFile, forge().pki.certificateToPem(cert), 0o644);
    return new EgressCa(cert, key);
  }

  /** The TLS server context presenting a certificate for `host` (a name or an IP address), minted on first use. */
  contextFor(host: string): tls.SecureContext {
    const cached = this.contexts.get(host);
    if (cached && cached.renewAt > Date.now()) return cached.context;
    const cert = forge().pki.createCertificate();
    cert.publicKey = forge().pki.setRsaPublicKey(this.leafKey.n, this.leafKey.e);
    cert.serialNumber = serial();
    cert.validity.notBefore = new Date(Date.now() - DAY_MS);
    cert.validity.notAfter = new Date(Date.now() + LEAF_DAYS * DAY_MS);
    cert.setSubject([{ name: 'commonName', value: host.slice(0, 64) }]);
    cert.setIssuer(this.cert.subject.attributes);
    const altName = net.isIP(host) ? { type: 7, ip: host } : { type: 2, value: host };
    cert.setExtensions([
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [altName] },
      { name: 'authorityKeyIdentifier', keyIdentifier: this.cert.generateSubjectKeyIdentifier().getBytes() },
    ]);
    cert.sign(this.key, forge().md.sha256.create());
    const context = tls.createSecureContext({ key: this.leafKeyPem, cert: forge().pki.certificateToPem(cert) + this.certPem });
    if (this.contexts.size > 1000) this.contexts.clear();
    this.contexts.set(host, { context, renewAt: Date.now() + (LEAF_DAYS - 7) * DAY_MS });
    return context;
  }

  /** Writes the bundle sandboxes trust (the system's roots plus this CA) to `file`, readable by all. */
  writeSandboxBundle(file: string): void {
    writePrivate(file, `${systemRoots().trimEnd()}\n${this.certPem}`, 0o644);
  }
}
