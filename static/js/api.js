// Calls to the JSON API from our own pages: the session cookie, the page's CSRF token, problem+json.

const csrfToken = () => document.querySelector('meta[name="csrf-token"]')?.content ?? "";

export class ApiError extends Error {
  // A refusal from the server (problem+json): `code` is stable, `detail` is a sentence for people.
  constructor(status, problem) {
    super(problem.detail || problem.title || String(status));
    this.status = status;
    this.code = problem.code || "error";
    this.problem = problem;
  }
}

export class NetworkError extends Error {
  // The server could not be reached at all (offline, timed out).
}

export async function api(path, { method = "GET", body, timeout = 8000, headers = {} } = {}) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeout);
  let response;
  try {
    response = await fetch(path, {
      method,
      credentials: "same-origin",
      signal: controller.signal,
      headers: {
        Accept: "application/json",
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
        ...(method === "GET" ? {} : { "X-CSRFToken": csrfToken() }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    throw new NetworkError(error.message);
  } finally {
    clearTimeout(timer);
  }
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, data);
  // The request renewed this browser's sign-in (session.js counts its idle time from here).
  globalThis.document?.dispatchEvent(new CustomEvent("kiosk:activity"));
  return data;
}

export const transient = (error) => error instanceof NetworkError || (error instanceof ApiError && error.status >= 500);

export async function apiRetrying(path, options = {}, { delays = [500, 1500], retryIf = transient } = {}) {
  // A request that changes something, sent again unchanged after a network error or a server
  // error (5xx, e.g. a proxy's 502 during a restart): its body carries the same idempotency key
  // (request_id, nonce), so the server answers a repeat with the first answer and never acts
  // twice. At most delays.length + 1 tries, waiting delays[i] ms before try i + 2.
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await api(path, options);
    } catch (error) {
      if (attempt >= delays.length || !retryIf(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, delays[attempt]));
    }
  }
}
