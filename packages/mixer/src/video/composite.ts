import { fitRect } from './fit.ts';
import { assertI420, fillRect, type I420Frame, type Yuv } from './i420.ts';
import { drawLabel, type LabelStyle } from './label.ts';
import type { Layout } from './layout.ts';
import { blitScaled } from './scale.ts';

export interface CompositeInput {
  /** The participant's latest frame; none yet (or video off): the tile shows only the name. */
  frame?: I420Frame | undefined;
  name?: string | undefined;
}

export interface CompositeOptions {
  background?: Yuv;
  /** Behind each tile's picture: what letterbox bars and video-less tiles show. */
  tileBackground?: Yuv;
  label?: LabelStyle;
}

const BACKGROUND: Yuv = { y: 16, u: 128, v: 128 };
const TILE_BACKGROUND: Yuv = { y: 40, u: 128, v: 128 };

/**
 * Draws `inputs[i]` into `layout[i]` of `out`: the picture aspect-fitted (letterboxed) into the tile,
 * then the name on top. Inputs beyond the layout are not drawn. With no inputs `out` is blank.
 */
export function composite(inputs: readonly CompositeInput[], layout: Layout, out: I420Frame, options: CompositeOptions = {}): I420Frame {
  assertI420(out);
  fillRect(out, { x: 0, y: 0, width: out.width, height: out.height }, options.background ?? BACKGROUND);
  const count = Math.min(inputs.length, layout.length);
  for (let i = 0; i < count; i++) {
    const input = inputs[i]!;
    const tile = layout[i]!;
    if (tile.width <= 0 || tile.height <= 0) continue;
    fillRect(out, tile, options.tileBackground ?? TILE_BACKGROUND);
    if (input.frame) {
      assertI420(input.frame);
      const picture = fitRect(input.frame.width, input.frame.height, tile);
      if (picture.width > 0 && picture.height > 0) blitScaled(input.frame, out, picture);
    }
    if (input.name) drawLabel(out, tile, input.name, options.label);
  }
  return out;
}
