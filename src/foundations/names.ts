// Names that become file or directory names (an experiment's name: runs/<name>-<scale>, report files
// <name>-table1.md). A name is one path component of plain characters, so no name can lead a file outside the
// directory it is meant for ('../../x', '/etc/x', 'a/b', '.', '..').

const plainName = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** The problem with `name` as a file-name component, or undefined when it is fine. */
export function fileNameProblem(name: string): string | undefined {
  if (plainName.test(name)) return undefined;
  return `must be a plain name (letters, digits, '.', '_', '-'; starting with a letter or digit; at most 100 characters) ` +
    `because it names files and directories; got ${JSON.stringify(name)}${slugName(name) ? ` (e.g. '${slugName(name)}')` : ''}`;
}

/** `text` reduced to a plain file-name component ('' when nothing usable is left). */
export function slugName(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/\.{2,}/g, '.').replace(/^[-._]+|[-._]+$/g, '').slice(0, 100);
}

/** A file-name component for `text`: itself when plain, else its slug (or `fallback` when that is empty). */
export function safeFileName(text: string, fallback = 'unnamed'): string {
  return fileNameProblem(text) === undefined ? text : slugName(text) || fallback;
}
