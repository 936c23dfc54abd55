import { useState } from 'react';
import { api } from '@parley/client';

export function Lobby() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [code, setCode] = useState('');
  const [mode, setMode] = useState<'video' | 'mixed' | 'audio'>('video');

  const create = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const room = await api.createRoom(window.location.origin, mode === 'mixed' ? { topology: 'mcu' } : mode === 'audio' ? { audioOnly: true } : {});
      window.location.assign(`/r/${room.id}`);
    } catch (err) {
      setError((err as Error).message);
      setBusy(false);
    }
  };

  const join = (e: React.FormEvent) => {
    e.preventDefault();
    const id = code.trim().replace(/^.*\/r\//, '');
    if (/^[A-Za-z0-9_-]{1,64}$/.test(id)) window.location.assign(`/r/${id}`);
    else setError('That is not a room link or code.');
  };

  return (
    <main className="lobby">
      <h1 className="brand">Parley</h1>
      <p className="tagline">Video rooms on your own server.</p>
      <button className="primary" onClick={create} disabled={busy}>
        {busy ? 'Creating…' : 'New room'}
      </button>
      <label className="mix-option">
        <input type="checkbox" checked={mode === 'mixed'} onChange={(e) => setMode(e.target.checked ? 'mixed' : 'video')} />
        Mix on the server: one stream each way, for weak connections
      </label>
      <label className="mix-option">
        <input type="checkbox" checked={mode === 'audio'} onChange={(e) => setMode(e.target.checked ? 'audio' : 'video')} />
        Audio only: everyone hears the 3 loudest voices, for rooms of hundreds
      </label>
      <form className="join-form" onSubmit={join}>
        <label htmlFor="code">or join with a link or code</label>
        <div className="row">
          <input id="code" value={code} onChange={(e) => setCode(e.target.value)} placeholder="https://…/r/abc123" />
          <button type="submit">Join</button>
        </div>
      </form>
      {error && <p role="alert" className="error">{error}</p>}
    </main>
  );
}
