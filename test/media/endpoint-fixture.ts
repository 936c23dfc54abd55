import { afterAll, beforeAll } from 'vitest';
import { MediaEndpoint, createDtlsCertificate, type DtlsCertificate } from '@parley/media';

/** A file's SFU endpoint on loopback (an ephemeral port) and the certificate its clients use: made before the file's tests, closed after. */
export function useLoopbackEndpoint(): { readonly endpoint: MediaEndpoint; readonly certificate: DtlsCertificate } {
  const fixture = {} as { endpoint: MediaEndpoint; certificate: DtlsCertificate };
  beforeAll(async () => {
    fixture.endpoint = await MediaEndpoint.create({ listenAddress: '127.0.0.1', port: 0 });
    fixture.certificate = await createDtlsCertificate();
  });
  afterAll(async () => {
    await fixture.endpoint?.close();
  });
  return fixture;
}
