/**
 * The items a user has engaged with (viewed, clicked, carted, bought), for `exclude_seen`: the
 * recent lists keep a handful per kind, so a long history needs its own, larger set. Item refs
 * (4 bytes each in the profile), distinct, least recently touched first; past `max` the least
 * recently touched go, so a heavy user's profile stays bounded.
 */
export function touchSeen(seen: number[], ref: number, max: number): void {
  const at = seen.indexOf(ref);
  if (at >= 0) seen.splice(at, 1);
  seen.push(ref);
  if (seen.length > max) seen.splice(0, seen.length - max);
}
