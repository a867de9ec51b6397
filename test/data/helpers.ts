// Assertions shared by the data/ tests.
import assert from 'node:assert/strict';
import { DatasetFileError } from '../../src/data/errors.js';

/** Asserts that fn throws a DatasetFileError whose message starts with `file` and whose defect matches. */
export function assertFileError(fn: () => unknown, file: string, defect: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof DatasetFileError, `expected DatasetFileError, got ${String(error)}`);
    assert.equal(error.file, file);
    assert.match(error.defect, defect);
    assert.ok(error.message.startsWith(file), error.message);
    return true;
  });
}
