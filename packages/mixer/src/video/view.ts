import type { CompositeInput } from './composite.ts';
import { gridLayout, speakerLayout, type Layout, type LayoutOptions } from './layout.ts';

export interface Participant extends CompositeInput {
  id: string;
}

export type LayoutKind = 'grid' | 'speaker';

export interface ViewOptions extends LayoutOptions {
  layout: LayoutKind;
  /** The active speaker: first (the large tile) in the speaker layout. */
  speakerId?: string | undefined;
  /** Show the listener their own tile (off by default). */
  showSelf?: boolean;
}

export interface View {
  inputs: Participant[];
  layout: Layout;
}

/**
 * What one listener sees: everyone but themselves (unless they asked to see themselves), in room
 * order, with the active speaker moved first in the speaker layout.
 */
export function viewFor(listenerId: string, participants: readonly Participant[], width: number, height: number, options: ViewOptions): View {
  let inputs = participants.filter((p) => options.showSelf === true || p.id !== listenerId);
  switch (options.layout) {
    case 'grid':
      return { inputs, layout: gridLayout(inputs.length, width, height, options) };
    case 'speaker': {
      const speaker = inputs.find((p) => p.id === options.speakerId);
      if (speaker) inputs = [speaker, ...inputs.filter((p) => p !== speaker)];
      return { inputs, layout: speakerLayout(inputs.length, width, height, options) };
    }
  }
}
