/** Decimal places that show every price on a tick grid: 0.01 → 2, 0.25 → 2, 0.0005 → 4, 1 → 0 (at most 10). */
export function priceDigits(tickSize: number): number {
  for (let d = 0; d < 10; d++) {
    const scaled = tickSize * 10 ** d;
    const whole = Math.round(scaled);
    // relative tolerance: 0.01·100 is 1.0000000000000002 in binary floating point
    if (whole >= 1 && Math.abs(scaled - whole) < 1e-9 * scaled) return d;
  }
  return 10;
}
