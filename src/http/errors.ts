// HTTP errors: one list of codes, their statuses in one place, and problem+json (RFC 9457) bodies.
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import {
  ConflictError,
  DomainError,
  IdempotencyKeyReusedError,
  InvalidFactsError,
  InvalidTransitionError,
  NotAllowedError,
  NotFoundError,
  StaleVersionError,
  UploadError,
  type FieldProblem,
} from '../errors.js';

export const errorCodes = [
  'bad_request',
  'malformed_json',
  'validation_failed',
  'unauthorized',
  'forbidden',
  'not_found',
  'method_not_allowed',
  'conflict',
  'invalid_transition',
  'precondition_failed',
  'precondition_required',
  'idempotency_key_reused',
  'payload_too_large',
  'unsupported_media_type',
  'too_many_requests',
  'invalid_facts',
  'not_ready',
  'internal_error',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

const statusOf = {
  bad_request: 400,
  malformed_json: 400,
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  invalid_transition: 409,
  precondition_failed: 412,
  precondition_required: 428,
  idempotency_key_reused: 422,
  payload_too_large: 413,
  unsupported_media_type: 415,
  too_many_requests: 429,
  invalid_facts: 422,
  not_ready: 503,
  internal_error: 500,
} as const satisfies Record<ErrorCode, number>;

const titleOf: Record<ErrorCode, string> = {
  bad_request: 'Bad request',
  malformed_json: 'Malformed JSON',
  validation_failed: 'Validation failed',
  unauthorized: 'Unauthorized',
  forbidden: 'Forbidden',
  not_found: 'Not found',
  method_not_allowed: 'Method not allowed',
  conflict: 'Conflict',
  invalid_transition: 'Invalid status transition',
  precondition_failed: 'Precondition failed',
  precondition_required: 'Precondition required',
  idempotency_key_reused: 'Idempotency key reused',
  payload_too_large: 'Payload too large',
  unsupported_media_type: 'Unsupported media type',
  too_many_requests: 'Too many requests',
  invalid_facts: 'Inconsistent facts',
  not_ready: 'Not ready',
  internal_error: 'Internal server error',
};

export type ErrorStatus = (typeof statusOf)[ErrorCode];

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  requestId: string;
  errors?: FieldProblem[];
  [extension: string]: unknown;
}

/** The one throwable HTTP error. */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    readonly extra: { errors?: FieldProblem[]; [k: string]: unknown } = {},
  ) {
    super(detail);
    this.name = 'ApiError';
  }
  get status(): ErrorStatus {
    return statusOf[this.code];
  }
}

export function problem(code: ErrorCode, detail: string, requestId: string, extra: Record<string, unknown> = {}): ProblemDetails {
  return {
    type: `https://breachkit.dev/problems/${code.replace(/_/g, '-')}`,
    title: titleOf[code],
    status: statusOf[code],
    detail,
    code,
    requestId,
    ...extra,
  };
}

export function problemResponse(c: Context, err: ApiError): Response {
  const body = problem(err.code, err.detail, requestIdOf(c), err.extra);
  const headers: Record<string, string> = { 'content-type': 'application/problem+json' };
  if (err.code === 'unauthorized') headers['www-authenticate'] = 'Bearer realm="breachkit"';
  // Through the context, so headers set earlier (the request id) stay on the response.
  return c.body(JSON.stringify(body), err.status, headers);
}

export function requestIdOf(c: Context): string {
  return (c.get('requestId') as string | undefined) ?? 'unknown';
}

/** Maps anything thrown inside a handler onto an ApiError; unknown errors become a bare 500. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof DomainError) return fromDomainError(err);
  if (err instanceof HTTPException) {
    if (err.status === 400 && /json/i.test(err.message)) return new ApiError('malformed_json', 'The request body is not valid JSON.');
    if (err.status === 413) return new ApiError('payload_too_large', 'The request body is larger than the limit.');
    if (err.status === 415) return unsupportedMediaType();
    if (err.status === 401) return new ApiError('unauthorized', 'A valid API key is required.');
    if (err.status === 404) return new ApiError('not_found', 'No such resource.');
    if (err.status === 400) return new ApiError('bad_request', 'The request could not be read.');
  }
  return new ApiError('internal_error', 'An unexpected error occurred; quote the request id when reporting it.');
}

/** A JSON route called with another content type (or none, with a body). */
export const unsupportedMediaType = () =>
  new ApiError('unsupported_media_type', 'This operation takes a JSON body: send it with `Content-Type: application/json`.', {
    errors: [{ field: 'header.content-type', message: 'must be application/json' }],
  });

function fromDomainError(err: DomainError): ApiError {
  if (err instanceof NotFoundError) return new ApiError('not_found', err.message);
  if (err instanceof InvalidFactsError) return new ApiError('invalid_facts', 'Some facts contradict each other or cannot be true.', { errors: err.problems });
  if (err instanceof InvalidTransitionError)
    return new ApiError('invalid_transition', err.message, { from: err.from, to: err.to, allowed: err.allowed });
  if (err instanceof StaleVersionError) return new ApiError('precondition_failed', err.message, { currentVersion: err.current });
  if (err instanceof IdempotencyKeyReusedError) return new ApiError('idempotency_key_reused', err.message);
  if (err instanceof NotAllowedError) return new ApiError('forbidden', err.message);
  if (err instanceof ConflictError) return new ApiError('conflict', err.message);
  if (err instanceof UploadError) return fromUploadError(err);
  return new ApiError('internal_error', 'An unexpected error occurred; quote the request id when reporting it.');
}

const uploadCodes = { broken: 'bad_request', too_large: 'payload_too_large', client_gone: 'bad_request', stopped: 'not_ready' } as const;

function fromUploadError(err: UploadError): ApiError {
  const extra = { errors: [{ field: '(body)', message: err.message }], ...(err.importId ? { importId: err.importId } : {}), ...(err.limitBytes ? { limitBytes: err.limitBytes } : {}) };
  const where = err.importId ? ` Import ${err.importId} is marked failed; the lines before it were kept.` : '';
  return new ApiError(uploadCodes[err.kind], `The upload could not be read to its end: ${err.message}.${where}`, extra);
}
