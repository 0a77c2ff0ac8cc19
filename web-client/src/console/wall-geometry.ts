import type { WallLayout } from '../../../protocol/http.js';

export interface Cell {
  col: number;
  row: number;
  colSpan: number;
  rowSpan: number;
}

/** The tiles of a wall split, on a grid of `cols` × `rows` tracks; tile 0 is the big one where there is one. */
export function wallCells(layout: Pick<WallLayout, 'preset' | 'custom'>): { cols: number; rows: number; cells: Cell[] } {
  const grid = (n: number) => {
    const cells: Cell[] = [];
    for (let row = 0; row < n; row++) for (let col = 0; col < n; col++) cells.push({ col, row, colSpan: 1, rowSpan: 1 });
    return { cols: n, rows: n, cells };
  };
  switch (layout.preset) {
    case '1':
      return grid(1);
    case '4':
      return grid(2);
    case '9':
      return grid(3);
    case '16':
      return grid(4);
    case '1+5': {
      // A 3×3 grid: the big tile takes 2×2 in the corner, five small ones wrap round it.
      const cells: Cell[] = [{ col: 0, row: 0, colSpan: 2, rowSpan: 2 }, { col: 2, row: 0, colSpan: 1, rowSpan: 1 }, { col: 2, row: 1, colSpan: 1, rowSpan: 1 }];
      for (let col = 0; col < 3; col++) cells.push({ col, row: 2, colSpan: 1, rowSpan: 1 });
      return { cols: 3, rows: 3, cells };
    }
    case '1+7': {
      // A 4×4 grid: the big tile takes 3×3, seven small ones along the right and bottom.
      const cells: Cell[] = [{ col: 0, row: 0, colSpan: 3, rowSpan: 3 }];
      for (let row = 0; row < 3; row++) cells.push({ col: 3, row, colSpan: 1, rowSpan: 1 });
      for (let col = 0; col < 4; col++) cells.push({ col, row: 3, colSpan: 1, rowSpan: 1 });
      return { cols: 4, rows: 4, cells };
    }
    case 'custom': {
      const cols = layout.custom?.cols ?? 3;
      const rows = layout.custom?.rows ?? 2;
      const cells: Cell[] = [];
      for (let row = 0; row < rows; row++) for (let col = 0; col < cols; col++) cells.push({ col, row, colSpan: 1, rowSpan: 1 });
      return { cols, rows, cells };
    }
  }
}
