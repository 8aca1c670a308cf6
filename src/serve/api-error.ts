/**
 * An answer other than 200, as LibreTranslate gives it: the HTTP status and a body
 * `{"error": "<message>"}`, with extra headers where the status calls for them (Retry-After on 429
 * and 503). Routes throw it; the server's error handler sends it.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** 400 with LibreTranslate's wording for a missing field. */
export function missingField(name: string): ApiError {
  return new ApiError(400, `Invalid request: missing ${name} parameter`);
}

/** 503 "try again in n seconds". */
export function unavailable(message: string, retryAfterSeconds: number): ApiError {
  return new ApiError(503, message, { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) });
}
