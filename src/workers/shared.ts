/** Typed arrays in shared memory, so worker threads read and write them without copies. */

type TypedArray = Float64Array | Float32Array | Int32Array | Uint8Array;
type TypedArrayConstructor<T extends TypedArray> = { new (buffer: ArrayBufferLike): T; BYTES_PER_ELEMENT: number };

/** `length` zeros in shared memory. */
export function sharedArray<T extends TypedArray>(kind: TypedArrayConstructor<T>, length: number): T {
  return new kind(new SharedArrayBuffer(length * kind.BYTES_PER_ELEMENT));
}

/** The plain typed-array type of `values` (a Node Buffer is a Uint8Array). */
function kindOf<T extends TypedArray>(values: T): TypedArrayConstructor<T> {
  if (values instanceof Float64Array) return Float64Array as unknown as TypedArrayConstructor<T>;
  if (values instanceof Float32Array) return Float32Array as unknown as TypedArrayConstructor<T>;
  if (values instanceof Int32Array) return Int32Array as unknown as TypedArrayConstructor<T>;
  return Uint8Array as unknown as TypedArrayConstructor<T>;
}

/** A copy of `values` in shared memory. */
export function sharedCopy<T extends TypedArray>(values: T): T {
  const copy = sharedArray(kindOf(values), values.length);
  copy.set(values as never);
  return copy;
}
