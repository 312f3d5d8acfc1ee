// The staff sign-in: tokens kept in localStorage, renewed once on a 401, shared by every tab view.
import { useSyncExternalStore } from "react";

import { ApiError, requestJson, type RequestOptions } from "./http";
import type { TokenPair } from "./types";

const STORAGE_KEY = "dvika.session";

export interface SessionTokens {
  accessToken: string;
  refreshToken: string;
}

let current: SessionTokens | null = load();
const listeners = new Set<() => void>();
let refreshing: Promise<SessionTokens | null> | null = null;

function load(): SessionTokens | null {
  try {
    const raw = window.localStorage.getItem(STORAGE_KEY);
    return raw ? (JSON.parse(raw) as SessionTokens) : null;
  } catch {
    return null;
  }
}

function store(tokens: SessionTokens | null): void {
  current = tokens;
  if (tokens) window.localStorage.setItem(STORAGE_KEY, JSON.stringify(tokens));
  else window.localStorage.removeItem(STORAGE_KEY);
  listeners.forEach((listener) => listener());
}

function fromPair(pair: TokenPair): SessionTokens {
  return { accessToken: pair.access_token, refreshToken: pair.refresh_token };
}

export function useSession(): SessionTokens | null {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => current,
  );
}

export async function logIn(email: string, password: string): Promise<void> {
  const pair = await requestJson<TokenPair>("/api/v1/auth/login", {
    method: "POST",
    body: { email, password },
  });
  store(fromPair(pair));
}

export async function logOut(): Promise<void> {
  const tokens = current;
  store(null);
  if (tokens) {
    await requestJson("/api/v1/auth/logout", {
      method: "POST",
      body: { refresh_token: tokens.refreshToken },
    }).catch(() => undefined);
  }
}

// One refresh at a time: refresh tokens rotate, so a second concurrent use would be refused.
function refreshOnce(): Promise<SessionTokens | null> {
  const tokens = current;
  if (!tokens) return Promise.resolve(null);
  refreshing ??= requestJson<TokenPair>("/api/v1/auth/refresh", {
    method: "POST",
    body: { refresh_token: tokens.refreshToken },
  })
    .then((pair) => {
      store(fromPair(pair));
      return current;
    })
    .catch(() => {
      store(null);
      return null;
    })
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}

// A staff request with the access token; on 401 renew the tokens once and retry.
export async function staffRequest<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const send = (tokens: SessionTokens) =>
    requestJson<T>(path, {
      ...options,
      headers: { ...options.headers, Authorization: `Bearer ${tokens.accessToken}` },
    });
  const tokens = current;
  if (!tokens) throw new ApiError(401, "please sign in");
  try {
    return await send(tokens);
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 401) throw error;
    const renewed = await refreshOnce();
    if (!renewed) throw new ApiError(401, "your session ended; please sign in again");
    return send(renewed);
  }
}

// For the WebSocket, which cannot renew on its own: a fresh access token when the old one failed.
export function renewAccessToken(): Promise<SessionTokens | null> {
  return refreshOnce();
}
