/**
 * The 32-bit Mersenne Twister exactly as PyTorch's CPU generator runs it
 * (torch.manual_seed(s) seeds it with s; at::mt19937, the standard MT19937).
 */
const N = 624;
const M = 397;

export class MT19937 {
  private readonly state = new Uint32Array(N);
  private next = N;

  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new Error(`MT19937 seed must be a 32-bit unsigned integer, got ${seed}`);
    this.state[0] = seed >>> 0;
    for (let j = 1; j < N; j++) {
      const prev = this.state[j - 1] ^ (this.state[j - 1] >>> 30);
      this.state[j] = (Math.imul(1812433253, prev) + j) >>> 0;
    }
  }

  private twist(): void {
    const s = this.state;
    for (let i = 0; i < N; i++) {
      const y = (s[i] & 0x80000000) | (s[(i + 1) % N] & 0x7fffffff);
      s[i] = s[(i + M) % N] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
    }
    this.next = 0;
  }

  /** The next 32-bit output. */
  nextU32(): number {
    if (this.next >= N) this.twist();
    let y = this.state[this.next++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }
}
