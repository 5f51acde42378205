// Request targets are normalised before routing (Fastify's rewriteUrl), so that every later step —
// the router, the not-found message, logs — sees one canonical origin-form path:
// - absolute-form (`GET http://host/v1/x HTTP/1.1`, RFC 9112 §3.2.2) becomes its path and query;
// - percent-encoded unreserved characters in the path (`/%76%31/...`) are decoded (RFC 3986 §6.2.2.2:
//   they mean the same as the character) and the remaining escapes are upper-cased;
// - anything else that is not origin-form (`*`, authority-form, a scheme we do not serve) becomes a
//   path no route matches, so it is answered 404 after authentication.
// Malformed escapes are left in place: the router then reports a bad URL (answered 400 in the
// envelope, after authentication).

/** A path no route has: unmatched requests authenticate and then answer 404. */
export const UNROUTABLE_PATH = '/.invalid-request-target';

const UNRESERVED = /[A-Za-z0-9\-._~]/;

function normalizePath(path: string): string {
  return path.replace(/%([0-9A-Fa-f]{2})/g, (escape: string, hex: string) => {
    const ch = String.fromCharCode(parseInt(hex, 16));
    return UNRESERVED.test(ch) ? ch : escape.toUpperCase();
  });
}

function fromAbsoluteForm(target: string): string | undefined {
  const m = /^https?:\/\/[^/?#]*(.*)$/i.exec(target);
  if (!m) return undefined;
  const rest = m[1]!;
  return rest === '' || rest.startsWith('?') ? `/${rest}` : rest.startsWith('/') ? rest : undefined;
}

export function normalizeRequestTarget(target: string): string {
  const originForm = target.startsWith('/') ? target : fromAbsoluteForm(target);
  if (originForm === undefined) return UNROUTABLE_PATH;
  const q = originForm.indexOf('?');
  const path = q < 0 ? originForm : originForm.slice(0, q);
  const query = q < 0 ? '' : originForm.slice(q);
  return normalizePath(path) + query;
}
