// A list of entries by name, in registration order, that plugins and tests can extend: the method and the
// selection registries are two of these.
export class NamedRegistry<T extends { readonly name: string }> {
  readonly #entries: T[];

  /** `what` names an entry in errors ("pruning method", "selection"); `check` returns an entry's problem. */
  constructor(readonly what: string, readonly plural: string, entries: readonly T[], readonly check: (entry: T) => string | undefined) {
    this.#entries = [...entries];
  }

  list(): readonly T[] { return [...this.#entries]; }

  names(): string[] { return this.#entries.map((entry) => entry.name); }

  find(name: string): T {
    const entry = this.#entries.find((candidate) => candidate.name === name);
    if (!entry) throw new TypeError(`unknown ${this.what} '${String(name)}'; known ${this.plural}: ${this.names().join(', ')}`);
    return entry;
  }

  /** Adds an entry after checking it whole (a mistake shows at registration, not mid-run); the name must be new. */
  register(entry: T): void {
    const problem = !entry || typeof entry !== 'object' ? 'an entry must be an object'
      : typeof entry.name !== 'string' || !/^[a-z0-9][a-z0-9-]*$/.test(entry.name) ? 'the name must be lower-case letters, digits and dashes'
        : this.#entries.some((candidate) => candidate.name === entry.name) ? 'that name is already registered'
          : this.check(entry);
    if (problem) throw new TypeError(`cannot register ${this.what} ${JSON.stringify(entry?.name)}: ${problem}`);
    this.#entries.push(entry);
  }

  /** Removes the entry of that name; true when there was one. */
  unregister(name: string): boolean {
    const index = this.#entries.findIndex((candidate) => candidate.name === name);
    if (index >= 0) this.#entries.splice(index, 1);
    return index >= 0;
  }
}
