// Errors about dataset files: every message starts with the file (or directory) and says what is wrong with it.

/** A dataset file that is missing or unusable; `file` is the path and `defect` the problem in words. */
export class DatasetFileError extends Error {
  readonly file: string;
  readonly defect: string;
  constructor(file: string, defect: string) {
    super(`${file}: ${defect}`);
    this.name = 'DatasetFileError';
    this.file = file;
    this.defect = defect;
  }
}

/** Formats a count with thousands separators, as error messages show them. */
export function count(value: number): string {
  return value.toLocaleString('en-US');
}
