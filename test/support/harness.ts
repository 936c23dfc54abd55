import { afterAll, afterEach, beforeAll } from 'vitest';
import { startTestServer, type TestServer, type TestServerOverrides } from './server.ts';
import { joinRoom, launchBrowser, type JoinOptions, type Participant, type TestBrowser } from './browser.ts';
import { requireWebBuild } from './web.ts';

export interface CallHarness {
  readonly server: TestServer;
  readonly chrome: TestBrowser;
  /** Everyone `join` brought in, in order; closed after each test (or after all, see keepAcrossTests). */
  readonly open: Participant[];
  /** Opens the room page as a person would and joins (see joinRoom). */
  join(room: string, name: string, options?: JoinOptions): Promise<Participant>;
}

/**
 * The setup every browser scenario shares: a Parley server serving the built web app and one
 * Chromium, both started before the tests of the calling `describe` and stopped after them.
 */
export function useCallHarness(options: { chromeArgs?: string[]; keepAcrossTests?: boolean; server?: TestServerOverrides } = {}): CallHarness {
  let server: TestServer | undefined;
  let chrome: TestBrowser | undefined;
  const open: Participant[] = [];
  const closeAll = async () => {
    for (const p of open.splice(0)) await p.context.close().catch(() => undefined);
  };
  beforeAll(async () => {
    server = await startTestServer(options.server ?? {}, { webDir: requireWebBuild() });
    chrome = await launchBrowser(options.chromeArgs);
  });
  if (!options.keepAcrossTests) afterEach(closeAll);
  afterAll(async () => {
    await closeAll();
    await chrome?.close();
    await server?.close();
  });
  const harness: CallHarness = {
    get server() {
      if (!server) throw new Error('the harness starts in beforeAll');
      return server;
    },
    get chrome() {
      if (!chrome) throw new Error('the harness starts in beforeAll');
      return chrome;
    },
    open,
    async join(room, name, joinOptions) {
      const p = await joinRoom(harness.chrome.browser, harness.server.httpUrl, room, name, joinOptions);
      open.push(p);
      return p;
    },
  };
  return harness;
}
