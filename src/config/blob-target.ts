// Where file bytes go (AGENTD_BLOB_URL): unset, the store's own place (the database on PostgreSQL,
// the files dir on SQLite); `s3://bucket/optional/prefix`, an S3-compatible bucket shared by every
// replica. Credentials never come from the URL: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (and
// AWS_SESSION_TOKEN) when set, else the AWS SDK's default chain (profile, SSO, web identity, ECS, EC2).

/** S3 credentials, behind a function so that printing or logging a Config never shows them. */
export type S3Credentials = () => Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string }>;

export type BlobTarget =
  | { readonly kind: 'default' }
  | {
      readonly kind: 's3';
      readonly bucket: string;
      /** Prepended to every key: '' or ending in '/'. */
      readonly prefix: string;
      readonly region: string;
      /** AGENTD_S3_ENDPOINT (MinIO, Ceph, R2...); undefined, the SDK's own (AWS_ENDPOINT_URL_S3 or AWS). */
      readonly endpoint: string | undefined;
      readonly forcePathStyle: boolean;
      /** From the environment given to loadConfig; undefined, the SDK's default chain. */
      readonly credentials: S3Credentials | undefined;
    };

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function parseBlobTarget(env: NodeJS.ProcessEnv): BlobTarget {
  const raw = env.AGENTD_BLOB_URL;
  if (raw === undefined || raw === '') return { kind: 'default' };
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(raw)?.[1]?.toLowerCase();
  if (scheme !== 's3') {
    throw new Error(
      `unsupported AGENTD_BLOB_URL ${scheme ? `scheme "${scheme}:"` : '(not a URL)'}: use s3://bucket/optional/prefix for an S3-compatible bucket, ` +
        'or leave it unset for the database (PostgreSQL) or the files dir (SQLite)',
    );
  }
  const m = /^s3:\/\/([^/?#]*)\/?([^?#]*)$/i.exec(raw);
  if (!m || m[1]!.includes('@')) {
    throw new Error(`invalid AGENTD_BLOB_URL: expected s3://bucket/optional/prefix (credentials come from the AWS environment, never the URL)`);
  }
  const bucket = m[1]!;
  if (!BUCKET.test(bucket)) throw new Error(`invalid AGENTD_BLOB_URL: "${bucket}" is not an S3 bucket name (3-63 of a-z, 0-9, '.', '-')`);
  const prefix = m[2]!.replace(/^\/+|\/+$/g, '');
  if (!/^[A-Za-z0-9._/-]*$/.test(prefix)) throw new Error(`invalid AGENTD_BLOB_URL: the prefix "${prefix}" may use only A-Z, a-z, 0-9, '.', '_', '-' and '/'`);
  if (prefix !== '' && prefix.split('/').some((part) => part === '' || part === '.' || part === '..')) {
    throw new Error(`invalid AGENTD_BLOB_URL: the prefix "${prefix}" has an empty, '.' or '..' segment`);
  }
  const endpoint = env.AGENTD_S3_ENDPOINT === '' ? undefined : env.AGENTD_S3_ENDPOINT;
  if (endpoint !== undefined && !/^https?:\/\/[^/]+/.test(endpoint)) throw new Error(`invalid AGENTD_S3_ENDPOINT "${endpoint}": expected an http(s) URL`);
  return Object.freeze({
    kind: 's3',
    bucket,
    prefix: prefix === '' ? '' : `${prefix}/`,
    region: env.AGENTD_S3_REGION || env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1',
    endpoint,
    // Endpoints other than AWS's (MinIO, Ceph, a loopback server) mostly want path-style URLs.
    forcePathStyle: parseFlag(env.AGENTD_S3_FORCE_PATH_STYLE, endpoint !== undefined),
    credentials: envCredentials(env),
  });
}

function parseFlag(raw: string | undefined, fallback: boolean): boolean {
  if (raw === undefined || raw === '') return fallback;
  if (['on', 'true', '1'].includes(raw)) return true;
  if (['off', 'false', '0'].includes(raw)) return false;
  throw new Error(`invalid AGENTD_S3_FORCE_PATH_STYLE "${raw}": expected on or off`);
}

function envCredentials(env: NodeJS.ProcessEnv): S3Credentials | undefined {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) return undefined;
  const sessionToken = env.AWS_SESSION_TOKEN || undefined;
  const identity = Object.freeze({ accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) });
  return async () => identity;
}

/** The target as it may be printed (no credentials are in it). */
export function describeBlobTarget(target: BlobTarget): string | undefined {
  return target.kind === 's3' ? `s3://${target.bucket}/${target.prefix}${target.endpoint ? ` at ${target.endpoint}` : ''}` : undefined;
}
