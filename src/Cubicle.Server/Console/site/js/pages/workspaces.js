// The WorkSpaces page: a live table (polled every 2 s while the page is visible), its filters and pages, the
// bulk actions on the selected rows, and the dialogs to create a WorkSpace and to manage one.
import { html, useState, useEffect, useMemo, useId } from "../lib.js";
import { call, can } from "../api.js";
import { usePoll, usePages, useDebounced, Pager, StateBadge, InlineError, ConfirmDialog, formatTime } from "../ui.js";
import { workspaceDirectories, bundles, directoryUsers } from "../data.js";
import { allowedActions, runAction } from "./workspace-actions.js";
import { CreateWorkspace } from "./workspace-create.js";
import { ManageWorkspace } from "./workspace-manage.js";

const STATES = ["PENDING", "AVAILABLE", "IMPAIRED", "UNHEALTHY", "REBOOTING", "STARTING", "REBUILDING", "RESTORING",
  "MAINTENANCE", "ADMIN_MAINTENANCE", "TERMINATING", "TERMINATED", "SUSPENDED", "UPDATING", "STOPPING", "STOPPED",
  "ERROR"];
const PAGE_SIZES = [5, 10, 25]; // DescribeWorkspaces returns at most 25 a page

/**
 * DescribeWorkspaces filters by one of WorkspaceIds, DirectoryId (with UserName) or BundleId at a time; the
 * filter it cannot take, and the state, are applied to each page here (see `matches`).
 */
function describeRequest(f) {
  const ids = f.ids.split(/[\s,]+/).filter(Boolean);
  if (ids.length) return { WorkspaceIds: ids.slice(0, 25) };
  if (f.directoryId) return { DirectoryId: f.directoryId, ...(f.userName ? { UserName: f.userName } : {}) };
  if (f.bundleId) return { BundleId: f.bundleId };
  return {};
}

const matches = (w, f) => (!f.state || w.State === f.state)
  && (!f.directoryId || w.DirectoryId === f.directoryId)
  && (!f.bundleId || w.BundleId === f.bundleId)
  && (!f.userName || w.UserName?.toLowerCase() === f.userName.toLowerCase());

function Filters({ filters, setFilters, directories, bundleList }) {
  const [users, setUsers] = useState([]);
  const ids = { dir: useId(), user: useId(), users: useId(), bundle: useId(), state: useId(), ws: useId() };
  // The users of the chosen directory, to suggest while typing (only where Directory Service Data lists them).
  useEffect(() => {
    setUsers([]);
    if (!filters.directoryId || !can("ds-data:ListUsers")) return;
    let alive = true;
    directoryUsers(filters.directoryId).then(u => alive && setUsers(u), () => {});
    return () => { alive = false; };
  }, [filters.directoryId]);
  const set = (name) => (e) => setFilters(f => ({ ...f, [name]: e.currentTarget.value }));
  // Open on a wide screen; on a phone the filters would push the table off the first screen, so they start closed.
  const [open] = useState(() => !matchMedia("(max-width: 700px)").matches);
  return html`<details class="filter-panel" open=${open}><summary>Filters</summary>
  <form class="filters" aria-label="Filter WorkSpaces" onSubmit=${e => e.preventDefault()}>
    <div class="field"><label for=${ids.dir}>Directory</label>
      <select id=${ids.dir} name="directory" value=${filters.directoryId}
        onChange=${e => setFilters(f => ({ ...f, directoryId: e.currentTarget.value, userName: "" }))}>
        <option value="">All directories</option>
        ${directories.map(d => html`<option key=${d.DirectoryId} value=${d.DirectoryId}>
          ${d.DirectoryId} (${d.DirectoryName ?? d.Alias})</option>`)}
      </select></div>
    <div class="field"><label for=${ids.user}>User</label>
      <input id=${ids.user} name="user" list=${ids.users} value=${filters.userName} spellcheck="false"
        disabled=${!filters.directoryId} aria-describedby=${filters.directoryId ? undefined : ids.user + "-hint"}
        placeholder=${filters.directoryId ? "user name" : ""} onInput=${set("userName")} />
      <datalist id=${ids.users}>${users.map(u => html`<option key=${u.SAMAccountName} value=${u.SAMAccountName} />`)}
      </datalist>
      ${!filters.directoryId && html`<small id=${ids.user + "-hint"}>Choose a directory to filter by user.</small>`}
    </div>
    <div class="field"><label for=${ids.bundle}>Bundle</label>
      <select id=${ids.bundle} name="bundle" value=${filters.bundleId} onChange=${set("bundleId")}>
        <option value="">All bundles</option>
        ${bundleList.map(b => html`<option key=${b.BundleId} value=${b.BundleId}>${b.Name} (${b.BundleId})</option>`)}
      </select></div>
    <div class="field"><label for=${ids.state}>State</label>
      <select id=${ids.state} name="state" value=${filters.state} onChange=${set("state")}>
        <option value="">All states</option>
        ${STATES.map(s => html`<option key=${s} value=${s}>${s}</option>`)}
      </select></div>
    <div class="field"><label for=${ids.ws}>WorkSpace IDs</label>
      <input id=${ids.ws} name="workspaceIds" value=${filters.ids} spellcheck="false" placeholder="ws-…, ws-…"
        onInput=${set("ids")} /></div>
  </form></details>`;
}

function ConnectionCell({ status }) {
  if (!status) return html`<td class="connection">—</td>`;
  const last = status.LastKnownUserConnectionTimestamp;
  return html`<td class="connection"><span class="connection-state">${status.ConnectionState ?? "UNKNOWN"}</span>
    <small class="connection-last">${last ? "last " + formatTime(last) : "never connected"}</small></td>`;
}

export function Workspaces() {
  const [filters, setFilters] = useState({ directoryId: "", userName: "", bundleId: "", state: "", ids: "" });
  const [pageSize, setPageSize] = useState(25);
  const [data, setData] = useState({ rows: null, next: null, connections: {}, error: null, at: null });
  const [selected, setSelected] = useState(() => new Set());
  const [managing, setManaging] = useState(null);
  const [creating, setCreating] = useState(false);
  const [confirming, setConfirming] = useState(null);
  const [directories, setDirectories] = useState([]);
  const [bundleList, setBundleList] = useState([]);
  const [busy, setBusy] = useState(false);

  // Typing settles before it queries; selects apply at once.
  const typed = { userName: useDebounced(filters.userName.trim()), ids: useDebounced(filters.ids) };
  const effective = { ...filters, ...typed };
  const request = useMemo(() => describeRequest(effective),
    [effective.ids, effective.directoryId, effective.userName, effective.bundleId]);
  const queryKey = JSON.stringify([request, pageSize]);
  const pages = usePages(queryKey);

  useEffect(() => {
    workspaceDirectories().then(setDirectories, () => {});
    bundles().then(setBundleList, () => {});
  }, []);
  // A new query or page starts with nothing selected; a poll of the same page keeps the selection.
  useEffect(() => setSelected(new Set()), [queryKey, pages.token]);

  const refresh = usePoll(async (alive) => {
    try {
      const page = JSON.stringify([queryKey, pages.token]);
      const input = { ...request, Limit: pageSize, ...(pages.token ? { NextToken: pages.token } : {}) };
      const out = await call("workspaces:DescribeWorkspaces", input);
      const rows = out.Workspaces ?? [];
      const connections = {};
      let error = null;
      if (rows.length && can("workspaces:DescribeWorkspacesConnectionStatus")) {
        try {
          const c = await call("workspaces:DescribeWorkspacesConnectionStatus",
            { WorkspaceIds: rows.map(w => w.WorkspaceId) });
          for (const s of c.WorkspacesConnectionStatus ?? []) connections[s.WorkspaceId] = s;
        } catch (e) { error = e; }
      }
      if (alive()) setData({ rows, next: out.NextToken ?? null, connections, error, at: new Date(), page });
    } catch (e) {
      if (alive()) setData(d => ({ ...d, rows: d.rows ?? [], error: e }));
    }
  }, [queryKey, pages.token]);

  const rows = (data.rows ?? []).filter(w => matches(w, effective));
  // Next follows the token of the page on screen only: a second click before the next page arrives does nothing.
  const shown = data.page === JSON.stringify([queryKey, pages.token]);
  const actions = allowedActions();
  const selectedIds = rows.map(w => w.WorkspaceId).filter(id => selected.has(id));
  const toggle = (id) => setSelected(s => {
    const next = new Set(s);
    if (next.has(id)) next.delete(id); else next.add(id);
    return next;
  });
  const allChecked = rows.length > 0 && selectedIds.length === rows.length;
  const toggleAll = () => setSelected(allChecked ? new Set() : new Set(rows.map(w => w.WorkspaceId)));

  // Terminate, rebuild and restore ask first; the others run at once.
  const act = (def, ids) => {
    if (!ids.length) return;
    if (def.confirm) setConfirming({ def, ids });
    else perform(def, ids);
  };
  const perform = async (def, ids) => {
    setConfirming(null);
    setBusy(true);
    try { await runAction(def, ids); } finally { setBusy(false); refresh(); }
  };

  const managed = managing && ((data.rows ?? []).find(w => w.WorkspaceId === managing.WorkspaceId) ?? managing);
  const bundleName = (id) => bundleList.find(b => b.BundleId === id)?.Name ?? id;

  return html`<section class="page workspaces" aria-labelledby="workspaces-title">
    <div class="page-head">
      <h1 id="workspaces-title">WorkSpaces</h1>
      <div class="page-tools">
        <span class="updated" aria-live="off">${data.at ? "Updated " + data.at.toLocaleTimeString() : ""}</span>
        <button type="button" class="secondary outline" onClick=${refresh}>Refresh</button>
        ${can("workspaces:CreateWorkspaces") && html`<button type="button" id="create-workspace"
          onClick=${() => setCreating(true)}>Create WorkSpace</button>`}
      </div>
    </div>
    <${Filters} filters=${filters} setFilters=${setFilters} directories=${directories} bundleList=${bundleList} />
    ${actions.length > 0 && html`<div class="bulk" role="toolbar" aria-label="Actions on the selected WorkSpaces">
      <span class="bulk-count">${selectedIds.length} selected</span>
      ${actions.map(def => html`<button type="button" key=${def.id} data-action=${def.id}
        class=${def.id === "terminate" ? "danger outline" : "secondary outline"}
        disabled=${busy || selectedIds.length === 0} onClick=${() => act(def, selectedIds)}>${def.label}</button>`)}
    </div>`}
    <${InlineError} error=${data.error} />
    <div class="table-scroll" role="region" tabindex="0" aria-label="WorkSpaces table">
      <table class="striped workspaces-table">
        <thead><tr>
          ${actions.length > 0 && html`<th scope="col" class="check"><input type="checkbox" aria-label="Select all"
            checked=${allChecked} onChange=${toggleAll} /></th>`}
          <th scope="col">WorkSpace</th><th scope="col">User</th><th scope="col" class="optional">Directory</th>
          <th scope="col" class="optional">Bundle</th><th scope="col">State</th>
          <th scope="col" class="optional">Running mode</th>
          <th scope="col" class="optional">Compute</th><th scope="col">Connection</th>
        </tr></thead>
        <tbody>
          ${data.rows === null && html`<tr><td colspan="9" aria-busy="true">Loading…</td></tr>`}
          ${data.rows !== null && rows.length === 0 && html`<tr><td colspan="9" class="empty">
            ${data.rows.length ? "No WorkSpace on this page matches the filters." : "No WorkSpaces."}</td></tr>`}
          ${rows.map(w => html`<tr key=${w.WorkspaceId} data-workspace-id=${w.WorkspaceId}
              class=${selected.has(w.WorkspaceId) ? "selected" : ""}>
            ${actions.length > 0 && html`<td class="check"><input type="checkbox"
              checked=${selected.has(w.WorkspaceId)} aria-label=${"Select " + w.WorkspaceId}
              onChange=${() => toggle(w.WorkspaceId)} /></td>`}
            <th scope="row"><button type="button" class="link open-workspace" title="Details and actions"
              onClick=${() => setManaging(w)}>${w.WorkspaceId}</button></th>
            <td class="user">${w.UserName}</td>
            <td class="optional">${w.DirectoryId}</td>
            <td class="optional" title=${w.BundleId}>${bundleName(w.BundleId)}</td>
            <td><${StateBadge} state=${w.State} /></td>
            <td class="optional">${w.WorkspaceProperties?.RunningMode}
              ${w.WorkspaceProperties?.RunningMode === "AUTO_STOP" &&
                html` <small>(${w.WorkspaceProperties?.RunningModeAutoStopTimeoutInMinutes} min)</small>`}</td>
            <td class="optional">${w.WorkspaceProperties?.ComputeTypeName}</td>
            <${ConnectionCell} status=${data.connections[w.WorkspaceId]} />
          </tr>`)}
        </tbody>
      </table>
    </div>
    <${Pager} pages=${pages} nextToken=${shown ? data.next : null} pageSize=${pageSize} onPageSize=${setPageSize}
      sizes=${PAGE_SIZES} label="WorkSpaces pages" />
    ${creating && html`<${CreateWorkspace} onClose=${() => setCreating(false)}
      onCreated=${() => { setCreating(false); refresh(); }} />`}
    ${managed && html`<${ManageWorkspace} workspace=${managed} connection=${data.connections[managed.WorkspaceId]}
      busy=${busy} onAction=${act} onChanged=${refresh} onClose=${() => setManaging(null)} />`}
    ${confirming && html`<${ConfirmDialog} title=${`${confirming.def.label} ${confirming.ids.length === 1
        ? confirming.ids[0] : confirming.ids.length + " WorkSpaces"}?`}
      confirmLabel=${confirming.def.label} onCancel=${() => setConfirming(null)}
      onConfirm=${() => perform(confirming.def, confirming.ids)}
      message=${html`<p>${confirming.def.confirm}</p>
        <ul class="confirm-ids">${confirming.ids.map(id => html`<li key=${id}><code>${id}</code></li>`)}</ul>`} />`}
  </section>`;
}
