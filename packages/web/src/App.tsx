import { Lobby } from './Lobby.tsx';
import { RoomPage } from './RoomPage.tsx';

/** Two screens: the lobby at `/`, a room at `/r/<id>`. */
export function App() {
  const match = /^\/r\/([A-Za-z0-9_-]{1,64})\/?$/.exec(window.location.pathname);
  return match?.[1] ? <RoomPage roomId={match[1]} /> : <Lobby />;
}
