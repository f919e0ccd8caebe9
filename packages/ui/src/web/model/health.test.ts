import { contrastRatio, EDGE_OK, FOCUS_COLOUR, HEALTH_COLOURS, MUTED_TEXT, PAGE_BACKGROUND, PATH_COLOUR, TEXT } from './palette.js';
import { countByHealth, HEALTH_ICON, worstHealth } from './health.js';

describe('health aggregation', () => {
  it('takes the worst of several, in the contract order', () => {
    expect(worstHealth(['ok', 'unknown', 'warning', 'ok'])).toBe('warning');
    expect(worstHealth(['ok', 'error', 'warning'])).toBe('error');
    expect(worstHealth(['unknown', 'ok'])).toBe('ok');
    expect(worstHealth([])).toBe('unknown');
  });

  it('counts by health', () => {
    expect(countByHealth(['ok', 'ok', 'error'])).toEqual({ error: 1, warning: 0, ok: 2, unknown: 0 });
  });

  it('gives every health its own icon, so colour is never the only sign', () => {
    expect(new Set(Object.values(HEALTH_ICON)).size).toBe(4);
  });
});

describe('palette contrast (WCAG AA)', () => {
  it.each(Object.entries(HEALTH_COLOURS))('%s: text and icon 4.5:1 on the fill, border 3:1 on the page', (_health, c) => {
    expect(contrastRatio(TEXT, c.fill)).toBeGreaterThanOrEqual(4.5);
    expect(contrastRatio(MUTED_TEXT, c.fill)).toBeGreaterThanOrEqual(4.5);
    expect(contrastRatio(c.accent, c.fill)).toBeGreaterThanOrEqual(4.5);
    expect(contrastRatio(c.stroke, PAGE_BACKGROUND)).toBeGreaterThanOrEqual(3);
    expect(contrastRatio(c.stroke, c.fill)).toBeGreaterThanOrEqual(3);
  });

  it('draws edges, the explain path and the focus ring 3:1 on the page and on every fill', () => {
    for (const colour of [EDGE_OK, PATH_COLOUR, FOCUS_COLOUR]) expect(contrastRatio(colour, PAGE_BACKGROUND)).toBeGreaterThanOrEqual(3);
    for (const c of Object.values(HEALTH_COLOURS)) {
      expect(contrastRatio(PATH_COLOUR, c.fill)).toBeGreaterThanOrEqual(3);
      expect(contrastRatio(FOCUS_COLOUR, c.fill)).toBeGreaterThanOrEqual(3);
    }
  });

  it('measures known pairs as WCAG does', () => {
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrastRatio('#767676', '#ffffff')).toBeCloseTo(4.54, 2);
  });
});
