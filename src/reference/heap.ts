/**
 * Typed views of the simulator's linear memory for the TypeScript reference kernels. Addresses are
 * byte addresses (as the WASM kernels take them); f32/i32 views are indexed by address >> 2.
 */
export class Heap {
  f32!: Float32Array;
  i32!: Int32Array;
  private buffer: ArrayBufferLike | null = null;
  constructor(private readonly memory: { buffer: ArrayBufferLike }) {
    this.refresh();
  }
  /** Re-creates the views if the memory has grown (called by every kernel, cheap when unchanged). */
  refresh(): this {
    if (this.buffer !== this.memory.buffer) {
      this.buffer = this.memory.buffer;
      this.f32 = new Float32Array(this.buffer);
      this.i32 = new Int32Array(this.buffer);
    }
    return this;
  }
}

/** Float32 rounding of a double: every reference operation goes through it to match WASM f32 arithmetic. */
export const f32 = Math.fround;
