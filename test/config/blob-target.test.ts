// AGENTD_BLOB_URL and the S3 settings as loadConfig reads them: what is accepted, what stops the
// start (with a message naming the setting and never echoing a secret), and that credentials never
// show when a Config is printed.
import { describe, expect, it } from 'vitest';
import { describeBlobTarget, parseBlobTarget } from '../../src/config/blob-target.js';
import { loadConfig } from '../../src/config/config.js';

describe('AGENTD_BLOB_URL', () => {
  it('unset or empty keeps the default store', () => {
    expect(parseBlobTarget({})).toEqual({ kind: 'default' });
    expect(parseBlobTarget({ AGENTD_BLOB_URL: '' })).toEqual({ kind: 'default' });
  });

  it('reads bucket, prefix, endpoint, region and path style', () => {
    const t = parseBlobTarget({
      AGENTD_BLOB_URL: 's3://my-bucket/agentd/files/',
      AGENTD_S3_ENDPOINT: 'http://127.0.0.1:9000',
      AWS_REGION: 'eu-west-1',
    });
    expect(t).toMatchObject({ kind: 's3', bucket: 'my-bucket', prefix: 'agentd/files/', endpoint: 'http://127.0.0.1:9000', region: 'eu-west-1', forcePathStyle: true });
    expect(parseBlobTarget({ AGENTD_BLOB_URL: 's3://my-bucket', AGENTD_S3_REGION: 'us-west-2', AWS_REGION: 'eu-west-1' })).toMatchObject({
      prefix: '',
      endpoint: undefined,
      region: 'us-west-2',
      forcePathStyle: false,
    });
    expect(parseBlobTarget({ AGENTD_BLOB_URL: 's3://my-bucket', AGENTD_S3_FORCE_PATH_STYLE: 'on' })).toMatchObject({ forcePathStyle: true });
  });

  it('refuses other schemes, bad bucket names and prefixes, and credentials in the URL, without echoing them', () => {
    expect(() => parseBlobTarget({ AGENTD_BLOB_URL: 'https://user:hunter2@example.com/b' })).toThrow(/unsupported AGENTD_BLOB_URL scheme "https:"/);
    expect(() => parseBlobTarget({ AGENTD_BLOB_URL: 'https://user:hunter2@example.com/b' })).not.toThrow(/hunter2/);
    expect(() => parseBlobTarget({ AGENTD_BLOB_URL: 'bucket/files' })).toThrow(/not a URL/);
    expect(() => parseBlobTarget({ AGENTD_BLOB_URL: 's3://key:hunter2@bucket/x' })).toThrow(/credentials come from the AWS environment/);
    expect(() => parseBlobTarget({ AGENTD_BLOB_URL: 's3://key:hunter2@bucket/x' })).not.toThrow(/hunter2/);
    expect(() => parseBlobTarget({ AGENTD_BLOB_URL: 's3://Upper_Case/x' })).toThrow(/not an S3 bucket name/);
    expect(() => parseBlobTarget({ AGENTD_BLOB_URL: 's3://bucket/a/../b' })).toThrow(/'\.\.' segment/);
    expect(() => parseBlobTarget({ AGENTD_BLOB_URL: 's3://bucket/a b' })).toThrow(/may use only/);
    expect(() => parseBlobTarget({ AGENTD_BLOB_URL: 's3://bucket', AGENTD_S3_ENDPOINT: 'minio:9000' })).toThrow(/AGENTD_S3_ENDPOINT/);
    expect(() => parseBlobTarget({ AGENTD_BLOB_URL: 's3://bucket', AGENTD_S3_FORCE_PATH_STYLE: 'maybe' })).toThrow(/AGENTD_S3_FORCE_PATH_STYLE/);
  });

  it('takes AWS keys from the given environment behind a function: the printed target never shows them', async () => {
    const config = loadConfig({}, { AGENTD_BLOB_URL: 's3://bucket/p', AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE', AWS_SECRET_ACCESS_KEY: 'very-secret-value' });
    if (config.blobs.kind !== 's3') throw new Error('not an S3 target');
    expect(await config.blobs.credentials!()).toEqual({ accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'very-secret-value' });
    expect(JSON.stringify(config.blobs)).not.toContain('very-secret-value');
    expect(describeBlobTarget(config.blobs)).toBe('s3://bucket/p/');
    // Without keys in the environment, the SDK's default chain is used.
    expect(parseBlobTarget({ AGENTD_BLOB_URL: 's3://bucket' })).toMatchObject({ credentials: undefined });
  });
});
