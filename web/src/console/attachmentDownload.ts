// Staff downloads: a link cannot carry the Authorization header, so the console fetches the file
// with the access token and hands the browser the bytes to save.
import type { MouseEvent } from "react";

import { renewAccessToken } from "../api/session";
import type { AttachmentRef } from "../api/types";

async function fetchWithToken(href: string, accessToken: string): Promise<Response> {
  const send = (token: string) => fetch(href, { headers: { Authorization: `Bearer ${token}` } });
  const first = await send(accessToken);
  if (first.status !== 401) return first;
  const renewed = await renewAccessToken();
  return renewed ? send(renewed.accessToken) : first;
}

export function staffAttachmentOpener(accessToken: string | undefined) {
  return (file: AttachmentRef, event: MouseEvent<HTMLAnchorElement>) => {
    if (!accessToken) return;
    event.preventDefault();
    const href = event.currentTarget.href;
    void fetchWithToken(href, accessToken).then(async (response) => {
      if (!response.ok) {
        window.alert(`${file.filename}: ${response.status} ${response.statusText}`);
        return;
      }
      const url = URL.createObjectURL(await response.blob());
      const link = document.createElement("a");
      link.href = url;
      link.download = file.filename;
      document.body.append(link);
      link.click();
      link.remove();
      // Give the browser time to start the download before the bytes go.
      window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
    });
  };
}
