// The error class of libtorch failures: the addon throws it for every c10::Error or std::exception it catches.

/** A failure inside libtorch (a c10::Error or C++ exception): message "<op>: <libtorch's message>". */
export class TorchError extends Error {
  /** The op or addon entry point that failed: 'aten::add.Tensor', 'loadPt', 'TorchScript forward', … */
  readonly op: string;

  constructor(message: string, op: string) {
    super(message);
    this.name = 'TorchError';
    this.op = op;
  }
}
