import { parseConfig, TokenService, startServer, createLogger } from '@parley/server';
import { SignJWT } from 'jose';
const c = parseConfig({ signaling: { resumeGraceMS: 5 } });
console.log('nested typo accepted:', c.signaling.resumeGraceMs);
try { parseConfig({ signalling: {} }); } catch (e) { console.log('top typo:', (e as Error).message); }
try { parseConfig({ tls: { cert: 'x' } }); } catch (e) { console.log((e as Error).message); }
const secret = 'x'.repeat(32);
const ts = new TokenService(secret);
const t = await new SignJWT({ room: 'r1' }).setProtectedHeader({ alg: 'HS256' }).setSubject('a').setIssuer('parley').setAudience('parley-room').sign(new TextEncoder().encode(secret));
console.log('no-exp token:', await ts.verify(t));
const s = await startServer({ config: parseConfig({ server: { port: 0 }, auth: { secret } }), logger: createLogger('silent') });
const r = await fetch(`http://127.0.0.1:${s.port}/api/rooms/%E0`); console.log('bad pct:', r.status, await r.text());
const r2 = await fetch(`http://127.0.0.1:${s.port}/api/rooms`, {method:'POST', body: JSON.stringify({id:'abc'})}); console.log(r2.status, await r2.text());
const r3 = await fetch(`http://127.0.0.1:${s.port}/api/rooms`, {method:'POST', body: JSON.stringify({id:'abc'})}); console.log('again', r3.status);
const r4 = await fetch(`http://127.0.0.1:${s.port}/api/rooms/abc/tokens`, {method:'POST', body: JSON.stringify({name:'Al'})}); const tok = await r4.json() as any; console.log(r4.status, tok.identity, tok.expiresAt);
const h = await fetch(`http://127.0.0.1:${s.port}/signal/http/hello?transport=sse`, {method:'POST', body: JSON.stringify({type:'hello', id:'h1', versions:[1], token: tok.token})}); console.log(h.status, await h.text());
const h2 = await fetch(`http://127.0.0.1:${s.port}/signal/http/hello`, {method:'POST', body: JSON.stringify({type:'hello', versions:[2], token: tok.token})}); console.log(h2.status, await h2.text());
const h3 = await fetch(`http://127.0.0.1:${s.port}/healthz`); console.log(await h3.text());
const m = await (await fetch(`http://127.0.0.1:${s.port}/metrics`)).text(); console.log(m.split('\n').filter(l=>l.startsWith('# TYPE parley_') && !/process|nodejs/.test(l)).join('\n'));
console.log(m.split('\n').filter(l=>l.startsWith('# TYPE')).length);
await s.close();
