import { readFile, stat } from "node:fs/promises";
import { extname, join, normalize, sep } from "node:path";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
};

/**
 * Serves the files of a folder for GET requests (`/` is index.html); anything
 * outside the folder, or not a file, is not served.
 */
export function staticPages(dir: string): (request: Request) => Promise<Response | undefined> {
  const root = normalize(dir + sep);
  return async (request) => {
    if (request.method !== "GET" && request.method !== "HEAD") return undefined;
    let path: string;
    try {
      path = decodeURIComponent(new URL(request.url).pathname);
    } catch {
      return undefined;
    }
    if (path.endsWith("/")) path += "index.html";
    const file = normalize(join(root, path));
    if (!file.startsWith(root)) return undefined;
    try {
      if (!(await stat(file)).isFile()) return undefined;
      const body = await readFile(file);
      return new Response(request.method === "HEAD" ? null : body, {
        headers: {
          "content-type": TYPES[extname(file)] ?? "application/octet-stream",
          "cache-control": "no-cache",
        },
      });
    } catch {
      return undefined;
    }
  };
}
