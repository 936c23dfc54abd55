import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaEndpoint, createSdpAnswer, parseSdpOffer } from '@parley/media';
import { launchBrowser, waitUntil, type TestBrowser } from '../support/browser.ts';

/**
 * The SFU's transport endpoint against a real Chromium: ICE-lite on one UDP socket, DTLS (werift) as server,
 * SRTP keys from the exporter, and Chrome's fake camera and microphone decrypted in Node.
 */
describe('media endpoint ↔ Chromium', () => {
  let endpoint: MediaEndpoint;
  let browser: TestBrowser;
  let http: Server;
  let origin: string;

  beforeAll(async () => {
    endpoint = await MediaEndpoint.create({ listenAddress: '127.0.0.1', port: 0 });
    // getUserMedia needs a secure context: http://127.0.0.1 is one, about:blank set by setContent is not.
    http = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>media</title>'));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await endpoint?.close();
    await new Promise((resolve) => http?.close(resolve));
  });

  it('connects ICE-lite + DTLS and decrypts ≥ 50 SRTP packets of the audio and the video SSRC', async () => {
    const page = await browser.browser.newPage();
    await page.goto(origin);
    const offer = await page.evaluate(async () => {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 320, height: 240 } });
      const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
      for (const track of stream.getTracks()) pc.addTrack(track, stream);
      (window as unknown as { pc: RTCPeerConnection }).pc = pc;
      const description = await pc.createOffer();
      await pc.setLocalDescription(description);
      return description.sdp as string;
    });

    const parsed = parseSdpOffer(offer);
    const tOffer = performance.now();
    const remoteFingerprint = (parsed.media[0]?.fingerprint ?? parsed.fingerprint) as NonNullable<typeof parsed.fingerprint>;
    const peer = endpoint.createPeer({ remoteUsernameFragment: parsed.media[0]?.iceUfrag ?? parsed.iceUfrag, remoteFingerprint });
    const answer = createSdpAnswer(parsed, { iceParameters: peer.iceParameters, fingerprint: endpoint.fingerprint, candidate: endpoint.hostCandidate });
    const audio = answer.media.find((m) => m.kind === 'audio');
    const video = answer.media.find((m) => m.kind === 'video');
    expect(audio?.encodingName).toBe('opus');
    expect(video?.encodingName).toBe('VP8');
    const audioSsrc = audio?.ssrcs[0] as number;
    const videoSsrc = video?.ssrcs[0] as number;

    let iceConnectedAt = 0;
    let dtlsConnectedAt = 0;
    let dtlsProfile = '';
    peer.events.on('iceConnected', () => (iceConnectedAt = performance.now()));
    peer.events.on('dtlsConnected', (profile) => {
      dtlsConnectedAt = performance.now();
      dtlsProfile = profile;
    });
    const dtlsFailures: Error[] = [];
    peer.events.on('dtlsFailed', (error) => dtlsFailures.push(error));

    const tAnswer = performance.now();
    await page.evaluate(async (sdp) => {
      await (window as unknown as { pc: RTCPeerConnection }).pc.setRemoteDescription({ type: 'answer', sdp });
    }, answer.sdp);

    await waitUntil(
      async () => {
        const a = peer.stats.ssrcs.get(audioSsrc)?.packets ?? 0;
        const v = peer.stats.ssrcs.get(videoSsrc)?.packets ?? 0;
        return a >= 50 && v >= 50;
      },
      20_000,
      `50 decrypted packets per SSRC (stats: ${JSON.stringify({ ...peer.stats, ssrcs: [...peer.stats.ssrcs] })})`,
      50,
    );
    const tMedia = performance.now();
    const connectionState = await page.waitForFunction(() => (window as unknown as { pc: RTCPeerConnection }).pc.connectionState === 'connected', undefined, { timeout: 10_000 });
    expect(await connectionState.jsonValue()).toBe(true);

    expect(dtlsFailures).toEqual([]);
    expect(peer.iceState).toBe('connected');
    expect(peer.stats.nominations).toBeGreaterThan(0);
    expect(peer.selectedAddress?.address).toBe('127.0.0.1');
    expect(peer.dtlsState).toBe('connected');
    expect(['AEAD_AES_128_GCM', 'AES_CM_128_HMAC_SHA1_80']).toContain(dtlsProfile);
    expect(peer.outboundSrtp).toBeDefined();
    expect(peer.stats.ssrcs.get(audioSsrc)?.payloadType).toBe(audio?.payloadType);
    expect(peer.stats.ssrcs.get(videoSsrc)?.payloadType).toBe(video?.payloadType);
    expect(peer.stats.srtpFailures).toEqual({});
    expect(peer.stats.srtpBeforeKeys).toBe(0);
    expect(endpoint.stats.stunUnauthenticated).toBe(0);
    expect(endpoint.stats.internalErrors).toBe(0);

    // Chrome starts DTLS as soon as one check succeeded; it may nominate (USE-CANDIDATE) after the handshake.
    const firstCheckAt = tOffer + (peer.stats.firstCheckMs ?? 0);
    const figures = {
      answerToFirstCheckMs: Math.round(firstCheckAt - tAnswer),
      answerToIceConnectedMs: Math.round(iceConnectedAt - tAnswer),
      answerToDtlsConnectedMs: Math.round(dtlsConnectedAt - tAnswer),
      firstCheckToDtlsConnectedMs: Math.round(dtlsConnectedAt - firstCheckAt),
      answerTo50PacketsPerSsrcMs: Math.round(tMedia - tAnswer),
      offerToAnswerMs: Math.round(tAnswer - tOffer),
      srtpProfile: dtlsProfile,
      rtp: peer.stats.rtpPacketsDecrypted,
      rtcp: peer.stats.rtcpPacketsDecrypted,
      bindingRequests: peer.stats.bindingRequests,
    };
    console.log('media endpoint figures', JSON.stringify(figures));
    expect(iceConnectedAt).toBeGreaterThan(0);
    expect(dtlsConnectedAt).toBeGreaterThan(firstCheckAt);

    await page.close();
    peer.close();
    expect(endpoint.peerCount).toBe(0);
  });

  it('two peer connections share the one UDP socket, each demultiplexed to its own peer', async () => {
    const page = await browser.browser.newPage();
    await page.goto(origin);
    const offers = await page.evaluate(async () => {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 320, height: 240 } });
      const pcs = [0, 1].map(() => new RTCPeerConnection({ bundlePolicy: 'max-bundle' }));
      (window as unknown as { pcs: RTCPeerConnection[] }).pcs = pcs;
      const out: string[] = [];
      for (const pc of pcs) {
        // A clone per connection: Chrome gives each its own SSRCs.
        for (const track of stream.getTracks()) pc.addTrack(track.clone(), stream);
        const description = await pc.createOffer();
        await pc.setLocalDescription(description);
        out.push(description.sdp as string);
      }
      return out;
    });
    const sessions = offers.map((offer) => {
      const parsed = parseSdpOffer(offer);
      const peer = endpoint.createPeer({ remoteUsernameFragment: parsed.media[0]?.iceUfrag, remoteFingerprint: parsed.media[0]?.fingerprint });
      const answer = createSdpAnswer(parsed, { iceParameters: peer.iceParameters, fingerprint: endpoint.fingerprint, candidate: endpoint.hostCandidate });
      return { peer, answer, ssrcs: answer.media.filter((m) => m.payloadType !== undefined).map((m) => m.ssrcs[0] as number) };
    });
    expect(endpoint.peerCount).toBe(2);
    await page.evaluate(async (sdps) => {
      const pcs = (window as unknown as { pcs: RTCPeerConnection[] }).pcs;
      await Promise.all(pcs.map((pc, i) => pc.setRemoteDescription({ type: 'answer', sdp: sdps[i] as string })));
    }, sessions.map((s) => s.answer.sdp));

    await waitUntil(
      async () => sessions.every((s) => s.ssrcs.every((ssrc) => (s.peer.stats.ssrcs.get(ssrc)?.packets ?? 0) >= 50)),
      20_000,
      '50 decrypted packets per SSRC on both peers',
      50,
    );
    await page.waitForFunction(() => (window as unknown as { pcs: RTCPeerConnection[] }).pcs.every((pc) => pc.connectionState === 'connected'), undefined, { timeout: 10_000 });
    const [a, b] = sessions as [(typeof sessions)[number], (typeof sessions)[number]];
    expect(a.peer.selectedAddress?.port).not.toBe(b.peer.selectedAddress?.port);
    // No cross-talk: each peer decrypted exactly its own connection's SSRCs.
    expect([...a.peer.stats.ssrcs.keys()].sort()).toEqual([...a.ssrcs].sort());
    expect([...b.peer.stats.ssrcs.keys()].sort()).toEqual([...b.ssrcs].sort());
    for (const { peer } of sessions) {
      expect(peer.stats.srtpFailures).toEqual({});
      expect(peer.dtlsState).toBe('connected');
      peer.close();
    }
    expect(endpoint.stats.internalErrors).toBe(0);
    await page.close();
  });
});
