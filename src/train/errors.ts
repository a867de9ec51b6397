// Errors the training loop raises on purpose.

/** The loss (or a weight) became NaN or infinite; training stopped without overwriting the last good checkpoint. */
export class NonFiniteLossError extends Error {
  constructor(message: string, readonly epoch: number, readonly globalStep: number) {
    super(message);
    this.name = 'NonFiniteLossError';
  }
}
