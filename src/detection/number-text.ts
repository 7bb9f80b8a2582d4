/**
 * A measured number as people read it in an Event or a log line: four significant digits (0.9739803368421055 reads
 * 0.974, 1234567 reads 1235000), without trailing zeros or exponent notation for ordinary magnitudes. The exact
 * value stays in the structured records (status, Remediation records, metrics); text only has to be read.
 */
export function significant(value: number, digits = 4): string {
  if (!Number.isFinite(value)) return String(value);
  return String(Number(value.toPrecision(digits)));
}
