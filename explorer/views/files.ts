/** Dropping files onto an element (the keyboard path is the file input next to it). */

/** readDroppedFile calls `use` with the bytes of a file dropped on `target`. */
export function readDroppedFile(target: HTMLElement, use: (bytes: Uint8Array, name: string) => void): void {
  target.addEventListener('dragover', (ev) => {
    ev.preventDefault();
    target.classList.add('dragging');
  });
  target.addEventListener('dragleave', () => target.classList.remove('dragging'));
  target.addEventListener('drop', async (ev) => {
    ev.preventDefault();
    target.classList.remove('dragging');
    for (const file of Array.from(ev.dataTransfer?.files ?? [])) use(new Uint8Array(await file.arrayBuffer()), file.name);
  });
}
