import { apiErrorSchema } from '@wasla/protocol';

/**
 * An error answered by the Wasla API (`{ error: { code, message, requestId } }`), or a
 * request that never got an answer (`code: 'network'`, `status: 0`). `message` is the
 * server's own sentence, written for people, so the UI can show it as is.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly code: string;
  readonly status: number;
  readonly requestId: string | null;
  /** What the server added to explain the error (e.g. `{ line }` of a file that failed). */
  readonly details: unknown;

  constructor(code: string, message: string, status: number, requestId: string | null = null, details: unknown = undefined) {
    super(message);
    this.code = code;
    this.status = status;
    this.requestId = requestId;
    this.details = details;
  }
}

/** Options for {@link apiFetch}. `body` is sent as JSON; `upload` as it is, e.g. a CSV file. */
export interface ApiFetchOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  upload?: { data: Blob | string; contentType: string };
  signal?: AbortSignal;
  headers?: Record<string, string>;
  /** The request outlives the page (sent as it is left). */
  keepalive?: boolean;
}

/** The answer to a conditional GET: either the resource has not changed, or here it is. */
export type ConditionalResponse<T> =
  | { notModified: true; status: 304; etag: string | null }
  | { notModified: false; status: number; etag: string | null; data: T };

/** Why the session was lost; 'forbidden' is a refused Origin (4403), not a missing role. */
export type AuthLostReason = 'unauthenticated' | 'forbidden';

type UnauthenticatedListener = (error: ApiError) => void;

// Module-level on purpose: a page has one cookie jar, so "the login is gone" is one
// signal for the whole page, whoever made the request that found out.
const unauthenticatedListeners = new Set<UnauthenticatedListener>();

/**
 * Calls `listener` whenever an API request answers 401 (the login cookie expired or
 * was revoked). A failed login attempt (`invalid_credentials`) is not reported: it
 * answers 401 too, but nobody lost anything. Returns the unsubscribe function.
 */
export function onUnauthenticated(listener: UnauthenticatedListener): () => void {
  unauthenticatedListeners.add(listener);
  return () => {
    unauthenticatedListeners.delete(listener);
  };
}

/**
 * A JSON request to the Wasla API on this origin, with the login cookie. Resolves with
 * the parsed body (`undefined` for 204) and throws {@link ApiError} for any non-2xx
 * answer or a network failure. An `AbortSignal` abort rejects with the usual
 * `AbortError`, untouched, so callers can tell it apart.
 *
 * Pass `etag` (the one you hold, or `null` on the first call) to make a conditional
 * GET: it sends `If-None-Match` and resolves with a {@link ConditionalResponse}
 * instead, where 304 costs nothing.
 */
export function apiFetch<T>(path: string, options: ApiFetchOptions & { etag: string | null }): Promise<ConditionalResponse<T>>;
export function apiFetch<T>(path: string, options?: ApiFetchOptions): Promise<T>;
export async function apiFetch<T>(path: string, options: ApiFetchOptions & { etag?: string | null } = {}): Promise<T | ConditionalResponse<T>> {
  const conditional = options.etag !== undefined;
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  // The server reads the type we name, not the file's own (a .csv is often application/vnd.ms-excel).
  if (options.upload) headers['content-type'] = options.upload.contentType;
  if (options.etag) headers['if-none-match'] = options.etag;

  let response: Response;
  try {
    response = await fetch(path, {
      method: options.method ?? 'GET',
      headers,
      credentials: 'same-origin',
      // The browser's HTTP cache must not answer for us: the ETag round trip is the cache.
      cache: 'no-store',
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      ...(options.upload ? { body: options.upload.data } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.keepalive ? { keepalive: true } : {}),
    });
  } catch (error) {
    if (isAbort(error)) throw error;
    throw new ApiError('network', 'Could not reach the Wasla server. Check your connection and try again.', 0);
  }

  const etag = response.headers.get('etag');
  if (response.status === 304 && conditional) return { notModified: true, status: 304, etag };
  if (!response.ok) throw await errorFrom(response);
  const data = await readJson<T>(response);
  return conditional ? { notModified: false, status: response.status, etag, data } : data;
}

async function readJson<T>(response: Response): Promise<T> {
  if (response.status === 204) return undefined as T;
  try {
    // The caller names the shape it expects; zod-validate at the call site where it matters.
    return (await response.json()) as T;
  } catch {
    throw new ApiError('invalid_response', `The server sent an answer that is not JSON (HTTP ${response.status}).`, response.status);
  }
}

async function errorFrom(response: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    // A proxy's HTML error page, or an empty body: fall back to the status line below.
  }
  const parsed = apiErrorSchema.safeParse(body);
  const error = parsed.success
    ? new ApiError(parsed.data.error.code, parsed.data.error.message, response.status, parsed.data.error.requestId ?? null, parsed.data.error.details)
    : new ApiError(`http_${response.status}`, `The server answered ${response.status}${response.statusText ? ` ${response.statusText}` : ''}.`, response.status);
  if (response.status === 401 && error.code !== 'invalid_credentials') {
    for (const listener of [...unauthenticatedListeners]) listener(error);
  }
  return error;
}

function isAbort(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'AbortError';
}
