/**
 * The graph's colours per health. Each pair is chosen for WCAG AA (palette.test.ts measures it): text and
 * icons 4.5:1 against their fill, borders 3:1 against the page (non-text contrast, WCAG 1.4.11).
 */
import type { Health } from '../../contract.js';

export interface HealthColours {
  /** Node background. */
  fill: string;
  /** Node border and edge stroke. */
  stroke: string;
  /** The icon and the health word drawn on the fill. */
  accent: string;
}

export const PAGE_BACKGROUND = '#ffffff';
export const TEXT = '#1b1f27';
export const MUTED_TEXT = '#4a5261';

export const HEALTH_COLOURS: Record<Health, HealthColours> = {
  error: { fill: '#fdecea', stroke: '#b3261e', accent: '#a1221b' },
  warning: { fill: '#fff3dc', stroke: '#9a5b00', accent: '#8a5100' },
  ok: { fill: '#e7f4ea', stroke: '#2e7d32', accent: '#1f6524' },
  unknown: { fill: '#eef0f4', stroke: '#6b7280', accent: '#4a5261' },
};

/** Relative luminance (WCAG 2.x) of `#rrggbb`. */
export function luminance(hex: string): number {
  const channel = (i: number): number => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** Edges that are fine: grey, 3:1 on the page. */
export const EDGE_OK = '#6b7280';
/** The explain path (nodes' borders and edges): a blue no health uses, drawn thicker. */
export const PATH_COLOUR = '#1d4ed8';
/** The keyboard focus ring. */
export const FOCUS_COLOUR = '#111827';
