/** Typed arrays in shared memory, so worker threads read and write them without copies. */

type TypedArray = Float64Array | Float32Array | Int32Array | Uint8Array;
type TypedArrayConstructor<T extends TypedArray> = { new (buffer: ArrayBufferLike): T; BYTES_PER_ELEMENT: number };

/** `length` zeros in shared memory. */
export function sharedArray<T extends TypedArray>(kind: TypedArrayConstructor<T>, length: number): T {
  return new kind(new SharedArrayBuffer(length * kind.BYTES_PER_ELEMENT));
}

/** A copy of `values` in shared memory. */
export function sharedCopy<T extends TypedArray>(values: T): T {
  const copy = sharedArray(values.constructor as TypedArrayConstructor<T>, values.length);
  copy.set(values as never);
  return copy;
}
