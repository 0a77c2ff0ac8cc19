/**
 * Drag with pointer events (mouse, pen and touch alike): press on a source, release over a tile.
 * HTML5 drag and drop does not work with touch, and a video wall is often a touch screen.
 */
export function makeDraggable(el: HTMLElement, key: string, onDrop: (key: string, target: HTMLElement) => void): void {
  el.addEventListener('pointerdown', (down) => {
    down.preventDefault();
    const ghost = el.cloneNode(true) as HTMLElement;
    ghost.classList.add('drag-ghost');
    document.body.append(ghost);
    const move = (e: PointerEvent) => {
      ghost.style.left = `${e.clientX + 8}px`;
      ghost.style.top = `${e.clientY + 8}px`;
    };
    const up = (e: PointerEvent) => {
      document.removeEventListener('pointermove', move);
      document.removeEventListener('pointerup', up);
      ghost.remove();
      const target = document.elementsFromPoint(e.clientX, e.clientY).find((t) => (t as HTMLElement).dataset['tile'] !== undefined) as HTMLElement | undefined;
      if (target) onDrop(key, target);
    };
    move(down);
    document.addEventListener('pointermove', move);
    document.addEventListener('pointerup', up);
  });
}
