/**
 * google.protobuf.Duration in proto3 JSON: seconds with 0 or 3 fractional digits ("5s", "1.500s"),
 * the forms Go's protojson prints, so the dump reads like Envoy's own.
 */
export function durationFromMs(ms: number): string {
  const whole = Math.max(0, Math.round(ms));
  const seconds = Math.floor(whole / 1000);
  const millis = whole % 1000;
  return millis === 0 ? `${seconds}s` : `${seconds}.${String(millis).padStart(3, '0')}s`;
}
