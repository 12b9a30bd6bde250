/** A strictly decimal number ('1e-3', '0.5', '-2'); NaN for anything else ('0x10', '', '1_000', 'Infinity'). */
export function parseDecimal(text: string): number {
  return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text.trim()) ? Number(text) : NaN;
}
