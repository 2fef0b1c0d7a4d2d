// The Hosts page (the operator's): each desktop host, its desktops, and its disk and memory as capacity, what may
// be promised (the stated oversubscription), what is promised, what is really used and what is free.
import { html, useState } from "../lib.js";
import { InlineError, formatTime, usePoll } from "../ui.js";
import { call } from "../api.js";

const GiB = 2 ** 30;
const gib = (bytes) => `${(bytes / GiB).toFixed(1)} GiB`;
const percent = (part, whole) => (whole > 0 ? Math.round((100 * part) / whole) : 0);

function Usage({ label, r }) {
  if (!r) return html`<td>—</td>`;
  return html`<td data-resource=${label}>
    <progress value=${r.Provisioned} max=${r.Limit} aria-label=${`${label} promised`}></progress>
    <div class="nowrap">${gib(r.Provisioned)} promised of ${gib(r.Limit)} (${percent(r.Provisioned, r.Limit)}%,
      ${r.Oversubscription}× ${gib(r.Capacity - (r.Reserve ?? 0))})</div>
    <div class="nowrap muted">${gib(r.Used)} used, ${gib(r.Free)} free${r.Reserve != null
      ? `, ${gib(r.Reserve)} kept` : ""}</div></td>`;
}

export function Hosts() {
  const [hosts, setHosts] = useState(null);
  const [error, setError] = useState(null);
  usePoll(async (alive) => {
    try {
      const list = (await call("cubicle:DescribeHosts")).Hosts ?? [];
      if (alive()) { setHosts(list); setError(null); }
    } catch (e) { if (alive()) { setError(e); setHosts(h => h ?? []); } }
  }, [], 5000);
  return html`<section class="page hosts" aria-labelledby="hosts-title">
    <div class="page-head"><h1 id="hosts-title">Hosts</h1></div>
    <${InlineError} error=${error} />
    ${hosts === null ? html`<p aria-busy="true">Loading hosts…</p>` : !hosts.length ? html`<p class="empty">No hosts.</p>` : html`
    <div class="table-scroll" role="region" tabindex="0" aria-label="Hosts">
    <table class="striped hosts-table">
      <thead><tr><th scope="col">Host</th><th scope="col">State</th><th scope="col">Desktops</th>
        <th scope="col">Memory</th><th scope="col">Disk</th><th scope="col" class="optional">Heartbeat</th></tr></thead>
      <tbody>${hosts.map(h => html`<tr key=${h.HostName} data-host=${h.HostName}>
        <th scope="row"><code>${h.HostName}</code></th>
        <td>${h.State}${h.BelowDiskReserve ? html` <strong class="warning">disk below its reserve</strong>` : ""}</td>
        <td>${h.MaxDesktops == null ? "—" : `${h.RunningDesktops} of ${h.MaxDesktops}`}</td>
        <${Usage} label="Memory" r=${h.Memory} /><${Usage} label="Disk" r=${h.Disk} />
        <td class="optional nowrap">${formatTime(h.LastHeartbeatTime)}</td></tr>`)}</tbody>
    </table></div>`}
  </section>`;
}
