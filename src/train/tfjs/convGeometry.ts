/** NHWC geometry of one convolution, as the sparse kernels take it (stride, where there is one, beside it). */
export interface ConvGeometry {
  batch: number;
  /** Input height, width, channels. */
  height: number;
  width: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  outChannels: number;
  kernelHeight: number;
  kernelWidth: number;
  /** Padding before the first input row and column. */
  padTop: number;
  padLeft: number;
}
