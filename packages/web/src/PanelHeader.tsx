/** The title row every side panel has: its name and a close button ("close <what>"). */
export function PanelHeader({ title, what, onClose }: { title: string; what: string; onClose: () => void }) {
  return (
    <header>
      <h2>{title}</h2>
      <button className="icon" aria-label={`close ${what}`} onClick={onClose}>×</button>
    </header>
  );
}
