// `npm run screenshots`: starts Parley (the CLI, default config) inside a loopback-only network
// namespace, drives headless Chromium through the lobby, the pre-join check and a 4-person room,
// and saves PNGs to docs/screenshots/ for the README.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { joinRoom, launchBrowser, waitUntil, remoteStats } from '../test/support/browser.ts';

if (process.env.PARLEY_NETNS !== '1') throw new Error('run through scripts/netns.mjs (npm run screenshots)');
const root = fileURLToPath(new URL('..', import.meta.url));
const out = `${root}docs/screenshots`;
mkdirSync(out, { recursive: true });
const port = 8080;
const base = `http://127.0.0.1:${port}`;

const server = spawn(process.execPath, ['packages/server/bin/parley.mjs', 'start', '--port', String(port), '--log-level', 'warn'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise<void>((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error('server did not start in 20 s')), 20_000);
  server.stdout.on('data', (d: Buffer) => {
    if (d.toString().includes('Parley is running')) {
      clearTimeout(timer);
      resolve();
    }
  });
  server.once('exit', (code) => reject(new Error(`server exited (${code})`)));
});

const chrome = await launchBrowser();
try {
  const ctx = await chrome.browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
  await ctx.grantPermissions(['camera', 'microphone'], { origin: base });
  const page = await ctx.newPage();
  await page.goto(base);
  await page.screenshot({ path: `${out}/lobby.png` });
  await page.getByRole('button', { name: 'New room' }).click();
  await page.waitForURL(/\/r\//);
  const roomId = new URL(page.url()).pathname.split('/')[2] ?? '';
  await page.getByLabel('Your name').fill('Ada');
  await page.waitForFunction(() => (document.querySelector('figure.tile video') as HTMLVideoElement | null)?.videoWidth);
  await page.waitForTimeout(800);
  await page.screenshot({ path: `${out}/prejoin.png` });
  await page.getByRole('button', { name: 'Join' }).click();
  await page.waitForFunction(() => window.parley?.room.signal.state === 'connected');
  const others = [];
  for (const name of ['Grace', 'Alan', 'Margaret']) others.push(await joinRoom(chrome.browser, base, roomId, name));
  await waitUntil(async () => (await remoteStats(page)).filter((s) => s.framesDecoded > 30).length === 3, 30_000, 'video from everyone');
  await others[0]!.page.evaluate(() => window.parley!.room.chat.send('Morning all — agenda is in the doc.'));
  await others[1]!.page.evaluate(() => window.parley!.room.chat.send('Joining from the train, mic off'));
  await others[1]!.page.evaluate(() => window.parley!.media.setEnabled('audio', false));
  await page.getByRole('button', { name: /^Chat/ }).click();
  await page.waitForTimeout(1500);
  await page.screenshot({ path: `${out}/room.png` });
  await page.getByRole('button', { name: 'Stats' }).click();
  await page.waitForTimeout(4000);
  await page.screenshot({ path: `${out}/stats.png` });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.getByRole('button', { name: 'close stats' }).click();
  await page.waitForTimeout(800);
  await page.screenshot({ path: `${out}/phone.png` });
  console.log(`saved lobby, prejoin, room, stats and phone screenshots to ${out}`);
} finally {
  await chrome.close();
  server.kill('SIGTERM');
}
