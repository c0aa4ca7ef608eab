/** Every error code the API can answer with, each with its HTTP status. */
export const ERROR_STATUS = {
  bad_request: 400,
  validation_failed: 400,
  invalid_phone_number: 400,
  invalid_csv: 400,
  /** A campaign scheduled for a time that has passed. */
  schedule_in_past: 400,
  weak_password: 400,
  /** Text PostgreSQL cannot store (U+0000, an unpaired surrogate) anywhere in a request. */
  invalid_characters: 400,
  unauthenticated: 401,
  invalid_credentials: 401,
  forbidden: 403,
  csrf_rejected: 403,
  not_found: 404,
  no_qr: 404,
  session_not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  session_not_ready: 409,
  /** WhatsApp restricted the number (463): nothing is sent until a person lifts it. */
  account_restricted: 409,
  invalid_session_state: 409,
  duplicate: 409,
  invalid_campaign_state: 409,
  no_recipients: 409,
  opted_out: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  missing_variables: 422,
  rate_limited: 429,
  internal: 500,
  whatsapp_error: 502,
  unavailable: 503,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_STATUS;

/**
 * The one error type the server throws on purpose. `message` is for the person using
 * the API (never internal details); `cause` stays in the logs.
 */
export class AppError extends Error {
  readonly statusCode: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AppError';
    this.statusCode = ERROR_STATUS[code];
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
