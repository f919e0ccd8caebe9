import { scrollToRow, virtualWindow } from './virtual-window.js';

describe('virtualWindow', () => {
  it('renders only the rows in view plus the overscan, whatever the length', () => {
    expect(virtualWindow({ count: 1000, rowHeight: 30, scrollTop: 0, viewportHeight: 300, overscan: 5 })).toEqual({ start: 0, end: 15, offsetTop: 0, totalHeight: 30000 });
    expect(virtualWindow({ count: 1000, rowHeight: 30, scrollTop: 3000, viewportHeight: 300, overscan: 5 })).toEqual({ start: 95, end: 115, offsetTop: 2850, totalHeight: 30000 });
    const w = virtualWindow({ count: 100_000, rowHeight: 30, scrollTop: 1_500_000, viewportHeight: 600 });
    expect(w.end - w.start).toBeLessThanOrEqual(40);
  });

  it('clamps a scroll past the end (a list that shrank) and handles an empty list', () => {
    expect(virtualWindow({ count: 20, rowHeight: 30, scrollTop: 5000, viewportHeight: 300, overscan: 0 })).toEqual({ start: 10, end: 20, offsetTop: 300, totalHeight: 600 });
    expect(virtualWindow({ count: 0, rowHeight: 30, scrollTop: 0, viewportHeight: 300 })).toEqual({ start: 0, end: 0, offsetTop: 0, totalHeight: 0 });
  });

  it('scrolls a row into view only when it is out of view', () => {
    expect(scrollToRow(5, 30, 0, 300)).toBeUndefined();
    expect(scrollToRow(12, 30, 0, 300)).toBe(90);
    expect(scrollToRow(2, 30, 300, 300)).toBe(60);
  });
});
