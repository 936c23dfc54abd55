import { describe, expect, it } from 'vitest';
import { HTTP_TRANSPORT, VIDEOROOM, janusConfigFiles, videoRoomCreate } from './janus-config.ts';

const options = {
  configDir: '/tmp/x', iceInterface: 'pbench0', httpPort: 8188, rtpPortRange: [20000, 20999] as [number, number],
  plugins: [VIDEOROOM, 'libjanus_echotest.so', 'libjanus_sip.so'], transports: [HTTP_TRANSPORT, 'libjanus_websockets.so'], loggers: ['libjanus_jsonlog.so'],
};

describe('janusConfigFiles', () => {
  it('keeps only VideoRoom and HTTP, restricts ICE to the bench interface, never ICE-lite', () => {
    const files = janusConfigFiles(options);
    const core = files['janus.jcfg'] as string;
    expect(core).toContain('disable = "libjanus_echotest.so,libjanus_sip.so"');
    expect(core).toContain('disable = "libjanus_websockets.so"');
    expect(core).toContain('disable = "libjanus_jsonlog.so"');
    expect(core).not.toMatch(/disable = "[^"]*videoroom/);
    expect(core).toContain('ice_enforce_list = "pbench0"');
    expect(core).toContain('ice_lite = false');
    expect(core).toContain('rtp_port_range = "20000-20999"');
    expect(core).toContain('configs_folder = "/tmp/x"');
    expect(core).not.toContain('event_loops');
    expect(janusConfigFiles({ ...options, eventLoops: 2 })['janus.jcfg']).toContain('event_loops = 2');
  });

  it('binds the HTTP transport to loopback on the given port, admin off', () => {
    const http = janusConfigFiles(options)['janus.transport.http.jcfg'] as string;
    expect(http).toContain('port = 8188');
    expect(http).toContain('ip = "127.0.0.1"');
    expect(http).toContain('admin_http = false');
    expect(janusConfigFiles(options)['janus.plugin.videoroom.jcfg']).not.toContain('room-');
  });

  it('refuses a bad port range', () => {
    expect(() => janusConfigFiles({ ...options, rtpPortRange: [30000, 20000] })).toThrow(RangeError);
    expect(() => janusConfigFiles({ ...options, rtpPortRange: [0, 10] })).toThrow(RangeError);
  });
});

describe('videoRoomCreate', () => {
  it('asks for Opus, VP8 and transport-wide CC, no bitrate cap and no periodic FIR', () => {
    expect(videoRoomCreate(7, 3)).toMatchObject({ request: 'create', room: 7, publishers: 3, audiocodec: 'opus', videocodec: 'vp8', transport_wide_cc_ext: true, bitrate: 0, fir_freq: 0 });
  });
});
