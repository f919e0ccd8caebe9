/** Which rows of a long list to render: only those in view plus a few either side, whatever the length. */
export interface VirtualWindow {
  /** First row to render. */
  start: number;
  /** One past the last row to render. */
  end: number;
  /** Space above the first rendered row, in pixels. */
  offsetTop: number;
  /** The whole list's height, in pixels (the scrollbar's length). */
  totalHeight: number;
}

export function virtualWindow(options: { count: number; rowHeight: number; scrollTop: number; viewportHeight: number; overscan?: number }): VirtualWindow {
  const { count, rowHeight, viewportHeight } = options;
  const overscan = options.overscan ?? 8;
  const totalHeight = count * rowHeight;
  const scrollTop = Math.max(0, Math.min(options.scrollTop, Math.max(0, totalHeight - viewportHeight)));
  const start = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const end = Math.min(count, Math.ceil((scrollTop + viewportHeight) / rowHeight) + overscan);
  return { start, end, offsetTop: start * rowHeight, totalHeight };
}

/** The scrollTop that brings a row into view (for keyboard moves), or undefined when it is in view. */
export function scrollToRow(row: number, rowHeight: number, scrollTop: number, viewportHeight: number): number | undefined {
  const top = row * rowHeight;
  if (top < scrollTop) return top;
  if (top + rowHeight > scrollTop + viewportHeight) return top + rowHeight - viewportHeight;
  return undefined;
}
