// The Bundles page: Amazon's bundles and the account's own, with their compute type and volume sizes.
import { html, useState, useEffect } from "../lib.js";
import { InlineError, formatTime } from "../ui.js";
import { bundles } from "../data.js";

function BundleTable({ list, caption }) {
  if (!list.length) return html`<p class="empty">${caption}: none.</p>`;
  return html`<div class="table-scroll" role="region" tabindex="0" aria-label=${caption}>
  <table class="striped bundles-table">
    <caption>${caption}</caption>
    <thead><tr><th scope="col">Bundle</th><th scope="col">Name</th><th scope="col">Compute</th>
      <th scope="col">Root volume</th><th scope="col">User volume</th><th scope="col">State</th>
      <th scope="col" class="optional">Type</th><th scope="col" class="optional">Updated</th>
      <th scope="col" class="optional">Description</th></tr></thead>
    <tbody>${list.map(b => html`<tr key=${b.BundleId} data-bundle-id=${b.BundleId}>
      <th scope="row"><code>${b.BundleId}</code></th><td>${b.Name}</td><td>${b.ComputeType?.Name}</td>
      <td>${b.RootStorage?.Capacity} GiB</td><td>${b.UserStorage?.Capacity} GiB</td><td>${b.State ?? "—"}</td>
      <td class="optional">${b.BundleType ?? "REGULAR"}</td>
      <td class="optional nowrap">${formatTime(b.LastUpdatedTime)}</td>
      <td class="optional">${b.Description}</td></tr>`)}</tbody>
  </table></div>`;
}

export function Bundles() {
  const [list, setList] = useState(null);
  const [error, setError] = useState(null);
  const load = () => {
    setError(null);
    bundles(true).then(setList, e => { setError(e); setList([]); });
  };
  useEffect(load, []);
  return html`<section class="page bundles" aria-labelledby="bundles-title">
    <div class="page-head"><h1 id="bundles-title">Bundles</h1>
      <div class="page-tools"><button type="button" class="secondary outline" onClick=${load}>Refresh</button></div>
    </div>
    <${InlineError} error=${error} />
    ${list === null ? html`<p aria-busy="true">Loading bundles…</p>` : html`
      <${BundleTable} caption="Amazon bundles" list=${list.filter(b => b.Owner === "AMAZON")} />
      <${BundleTable} caption="Your bundles" list=${list.filter(b => b.Owner !== "AMAZON")} />`}
  </section>`;
}
