// Domain errors: what went wrong in breachkit's terms, with no knowledge of HTTP.

export interface FieldProblem {
  /** Dotted path of the field at fault, e.g. `estimated_affected.by_region.US-TX`. */
  field: string;
  message: string;
}

export class DomainError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export class NotFoundError extends DomainError {
  constructor(readonly resource: string, readonly id: string) {
    super(`${resource} ${id} was not found`);
  }
}

/** Facts that cannot all be true at once, each named by its field. */
export class InvalidFactsError extends DomainError {
  constructor(readonly problems: FieldProblem[]) {
    super(problems.map((p) => `${p.field}: ${p.message}`).join('; '));
  }
}

export class InvalidTransitionError extends DomainError {
  constructor(readonly from: string, readonly to: string, readonly allowed: readonly string[]) {
    super(`cannot move from ${from} to ${to}; allowed: ${allowed.length ? allowed.join(', ') : 'none'}`);
  }
}

export class ConflictError extends DomainError {}

/** The caller's copy is older than the stored one. */
export class StaleVersionError extends DomainError {
  constructor(readonly current: number) {
    super(`the incident has changed since the version you sent; the current version is ${current}`);
  }
}

export class IdempotencyKeyReusedError extends DomainError {
  constructor() {
    super('this Idempotency-Key was used with a different request body');
  }
}

/** The actor may not do this, whatever their role (e.g. approving their own draft). */
export class NotAllowedError extends DomainError {}

/**
 * An upload that could not be read to its end: cut short or not what it claims to be (`broken`),
 * beyond a size limit (`too_large`), its sender gone (`client_gone`), or the server stopping
 * (`stopped`). The message names the upload and why; it is recorded on the import it was for.
 */
export class UploadError extends DomainError {
  /** The import the upload was for, once it has one. */
  importId?: string;
  /** The size limit it went over, for `too_large`. */
  limitBytes?: number;
  constructor(
    readonly kind: 'broken' | 'too_large' | 'client_gone' | 'stopped',
    message: string,
  ) {
    super(message);
  }
}
