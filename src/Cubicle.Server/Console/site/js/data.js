// Lists that several pages need (directories, bundles, a directory's users), fetched through every page of
// NextToken. Directories and bundles are kept for the session: they change rarely, and each page can reload them.
import { call } from "./api.js";

/** All pages of a paged operation: `pick` takes the items from one answer. */
export async function all(action, input, pick, maxPages = 20) {
  const items = [];
  let token;
  for (let i = 0; i < maxPages; i++) {
    const out = await call(action, token ? { ...input, NextToken: token } : input);
    items.push(...(pick(out) ?? []));
    token = out.NextToken;
    if (!token) break;
  }
  return items;
}

let cache = new Map();

function cached(key, load) {
  if (!cache.has(key)) {
    const promise = load();
    // A failure is not kept: the next page that asks tries again.
    promise.catch(() => { if (cache.get(key) === promise) cache.delete(key); });
    cache.set(key, promise);
  }
  return cache.get(key);
}

/** Forgets everything (on sign-in and sign-out: another key may see other things). */
export function clearCache() {
  cache = new Map();
}

export const workspaceDirectories = (fresh = false) => {
  if (fresh) cache.delete("directories");
  return cached("directories", () => all("workspaces:DescribeWorkspaceDirectories", {}, o => o.Directories));
};

/** Amazon's bundles and the account's own, Amazon's first. */
export const bundles = (fresh = false) => {
  if (fresh) cache.delete("bundles");
  return cached("bundles", async () => {
    const [amazon, own] = await Promise.all([
      all("workspaces:DescribeWorkspaceBundles", { Owner: "AMAZON" }, o => o.Bundles),
      all("workspaces:DescribeWorkspaceBundles", {}, o => o.Bundles),
    ]);
    return [...amazon, ...own];
  });
};

/** The users of a directory through Directory Service Data (Simple AD with data access enabled). */
export const directoryUsers = (directoryId) =>
  all("ds-data:ListUsers", { DirectoryId: directoryId }, o => o.Users);
