/**
 * Picks the simulcast spatial layer a viewer needs for the size it shows a video at.
 * Layers are sent at 1/4, 1/2 and full resolution (web client's encodings); the lowest layer whose
 * height covers the displayed height is enough, so a thumbnail never pulls the full stream.
 */
export function spatialLayerForDisplay(displayHeight: number, sourceHeight: number, layerCount: number): number {
  if (layerCount <= 1 || displayHeight <= 0) return 0;
  for (let layer = 0; layer < layerCount; layer++) {
    const layerHeight = sourceHeight / 2 ** (layerCount - 1 - layer);
    if (layerHeight >= displayHeight * 0.9) return layer;
  }
  return layerCount - 1;
}
