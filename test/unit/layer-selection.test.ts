import { describe, it, expect } from 'vitest';
import { spatialLayerForDisplay } from '../../media/layer-selection.js';

// Three simulcast layers of a 720p source: 180p, 360p, 720p.
describe('spatialLayerForDisplay', () => {
  it('picks the lowest layer for thumbnails', () => {
    expect(spatialLayerForDisplay(90, 720, 3)).toBe(0);
    expect(spatialLayerForDisplay(180, 720, 3)).toBe(0);
    expect(spatialLayerForDisplay(200, 720, 3)).toBe(0); // 180 >= 200 * 0.9
  });

  it('picks the middle layer for mid sizes', () => {
    expect(spatialLayerForDisplay(201, 720, 3)).toBe(1);
    expect(spatialLayerForDisplay(360, 720, 3)).toBe(1);
    expect(spatialLayerForDisplay(400, 720, 3)).toBe(1);
  });

  it('picks the full layer for full size and beyond', () => {
    expect(spatialLayerForDisplay(401, 720, 3)).toBe(2);
    expect(spatialLayerForDisplay(720, 720, 3)).toBe(2);
    expect(spatialLayerForDisplay(2160, 720, 3)).toBe(2);
  });

  it('returns 0 for a zero or negative display height', () => {
    expect(spatialLayerForDisplay(0, 720, 3)).toBe(0);
    expect(spatialLayerForDisplay(-10, 720, 3)).toBe(0);
  });

  it('returns 0 for a single-layer (or no-layer) producer at any size', () => {
    expect(spatialLayerForDisplay(1080, 720, 1)).toBe(0);
    expect(spatialLayerForDisplay(90, 720, 1)).toBe(0);
    expect(spatialLayerForDisplay(720, 720, 0)).toBe(0);
  });

  it('works for two layers', () => {
    expect(spatialLayerForDisplay(300, 720, 2)).toBe(0);
    expect(spatialLayerForDisplay(500, 720, 2)).toBe(1);
  });
});
