// One fetch wrapper: JSON in and out, and every error answer as an ApiError with its reason.

export interface FieldError {
  // Where the error is, without the leading "body"/"query" (e.g. ["customer", "email"]).
  path: string[];
  message: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly fieldErrors: FieldError[];

  constructor(status: number, message: string, fieldErrors: FieldError[] = []) {
    super(message);
    this.status = status;
    this.fieldErrors = fieldErrors;
  }
}

interface ValidationItem {
  loc?: (string | number)[];
  msg?: string;
}

function errorFromBody(status: number, body: unknown): ApiError {
  const detail = (body as { detail?: unknown } | null)?.detail;
  if (typeof detail === "string") return new ApiError(status, detail);
  if (Array.isArray(detail)) {
    const fields = (detail as ValidationItem[]).map((item) => ({
      path: (item.loc ?? []).slice(1).map(String),
      message: (item.msg ?? "invalid").replace(/^Value error, /, ""),
    }));
    const summary = fields.map((f) => `${f.path.join(".") || "request"}: ${f.message}`).join("; ");
    return new ApiError(status, summary || "invalid input", fields);
  }
  return new ApiError(status, `request failed (${status})`);
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export async function requestJson<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json", ...options.headers };
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  let response: Response;
  try {
    response = await fetch(path, {
      method: options.method ?? "GET",
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  } catch {
    throw new ApiError(0, "the service cannot be reached; check your connection");
  }
  const text = await response.text();
  const body: unknown = text ? safeParse(text) : null;
  if (!response.ok) throw errorFromBody(response.status, body);
  return body as T;
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { detail: text };
  }
}

export function queryString(params: Record<string, string | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") search.set(key, value);
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

export function webSocketUrl(pathAndQuery: string): string {
  const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${window.location.host}${pathAndQuery}`;
}
