// One WorkSpace's dialog: its details (kept live by the page's polling), the actions the key may run on it,
// its properties (running mode, AutoStop timeout, compute type, volume sizes) and its tags.
import { html, useState, useEffect, useId } from "../lib.js";
import { call, can } from "../api.js";
import { Modal, InlineError, StateBadge, formatTime, showNotice } from "../ui.js";
import { allowedActions } from "./workspace-actions.js";

const COMPUTE_TYPES = ["VALUE", "STANDARD", "PERFORMANCE", "POWER", "POWERPRO", "GRAPHICS", "GRAPHICSPRO",
  "GRAPHICS_G4DN", "GRAPHICSPRO_G4DN", "GENERALPURPOSE_4XLARGE", "GENERALPURPOSE_8XLARGE"];

function Details({ w, connection }) {
  const p = w.WorkspaceProperties ?? {};
  const rows = [
    ["State", html`<${StateBadge} state=${w.State} />`],
    ["User", w.UserName], ["Directory", w.DirectoryId], ["Bundle", w.BundleId],
    ["Running mode", p.RunningMode + (p.RunningMode === "AUTO_STOP"
      ? ` (stops after ${p.RunningModeAutoStopTimeoutInMinutes} min)` : "")],
    ["Compute type", p.ComputeTypeName], ["Root volume", p.RootVolumeSizeGib && `${p.RootVolumeSizeGib} GiB`],
    ["User volume", p.UserVolumeSizeGib && `${p.UserVolumeSizeGib} GiB`],
    ["Operating system", p.OperatingSystemName], ["Computer name", w.ComputerName], ["IP address", w.IpAddress],
    ["Connection", connection?.ConnectionState],
    ["Last connection", connection && (connection.LastKnownUserConnectionTimestamp
      ? formatTime(connection.LastKnownUserConnectionTimestamp) : "never")],
    ["Error", w.ErrorCode && `${w.ErrorCode}: ${w.ErrorMessage}`],
  ].filter(([, v]) => v !== undefined && v !== null && v !== "");
  return html`<dl class="details">${rows.map(([k, v]) => html`<div key=${k}><dt>${k}</dt><dd>${v}</dd></div>`)}</dl>`;
}

/** Sends only what was changed: ModifyWorkspaceProperties changes what it is given. */
function Properties({ w, onChanged }) {
  const p = w.WorkspaceProperties ?? {};
  const initial = { RunningMode: p.RunningMode ?? "", RunningModeAutoStopTimeoutInMinutes:
    p.RunningModeAutoStopTimeoutInMinutes ?? 60, ComputeTypeName: p.ComputeTypeName ?? "",
    RootVolumeSizeGib: p.RootVolumeSizeGib ?? "", UserVolumeSizeGib: p.UserVolumeSizeGib ?? "" };
  const [form, setForm] = useState(initial);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const ids = { mode: useId(), timeout: useId(), compute: useId(), root: useId(), user: useId() };
  const set = (name) => (e) => setForm({ ...form, [name]: e.currentTarget.value });
  const numeric = ["RunningModeAutoStopTimeoutInMinutes", "RootVolumeSizeGib", "UserVolumeSizeGib"];
  const changes = {};
  for (const [k, v] of Object.entries(form)) {
    if (String(v) === String(initial[k]) || v === "") continue;
    changes[k] = numeric.includes(k) ? Number(v) : v;
  }
  // A new timeout only means something in AUTO_STOP.
  if (form.RunningMode !== "AUTO_STOP") delete changes.RunningModeAutoStopTimeoutInMinutes;
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await call("workspaces:ModifyWorkspaceProperties", { WorkspaceId: w.WorkspaceId, WorkspaceProperties: changes });
      showNotice(`ModifyWorkspaceProperties: ${Object.keys(changes).join(", ")} of ${w.WorkspaceId} changed.`);
      onChanged();
    } catch (err) {
      setError(err);
    }
    setBusy(false);
  };
  return html`<form class="properties" onSubmit=${submit} aria-label="Properties">
    <div class="grid-2">
      <div class="field"><label for=${ids.mode}>Running mode</label>
        <select id=${ids.mode} name="RunningMode" value=${form.RunningMode} onChange=${set("RunningMode")}>
          ${["AUTO_STOP", "ALWAYS_ON", "MANUAL"].map(m => html`<option key=${m} value=${m}>${m}</option>`)}
        </select></div>
      <div class="field"><label for=${ids.timeout}>AutoStop timeout (minutes)</label>
        <input id=${ids.timeout} name="RunningModeAutoStopTimeoutInMinutes" type="number" min="60" step="60"
          disabled=${form.RunningMode !== "AUTO_STOP"} value=${form.RunningModeAutoStopTimeoutInMinutes}
          onInput=${set("RunningModeAutoStopTimeoutInMinutes")} /></div>
      <div class="field"><label for=${ids.compute}>Compute type</label>
        <select id=${ids.compute} name="ComputeTypeName" value=${form.ComputeTypeName}
          onChange=${set("ComputeTypeName")}>
          ${[...new Set([form.ComputeTypeName, ...COMPUTE_TYPES])].filter(Boolean)
            .map(c => html`<option key=${c} value=${c}>${c}</option>`)}
        </select></div>
      <div class="field"><label for=${ids.root}>Root volume (GiB)</label>
        <input id=${ids.root} name="RootVolumeSizeGib" type="number" min="1" value=${form.RootVolumeSizeGib}
          onInput=${set("RootVolumeSizeGib")} /></div>
      <div class="field"><label for=${ids.user}>User volume (GiB)</label>
        <input id=${ids.user} name="UserVolumeSizeGib" type="number" min="1" value=${form.UserVolumeSizeGib}
          onInput=${set("UserVolumeSizeGib")} /></div>
    </div>
    <${InlineError} error=${error} />
    <button type="submit" disabled=${busy || Object.keys(changes).length === 0}>Save properties</button>
  </form>`;
}

function Tags({ w }) {
  const [tags, setTags] = useState(null);
  const [error, setError] = useState(null);
  const [draft, setDraft] = useState({ Key: "", Value: "" });
  const ids = { key: useId(), value: useId() };
  const load = () => call("workspaces:DescribeTags", { ResourceId: w.WorkspaceId })
    .then(out => { setTags(out.TagList ?? []); }, setError);
  useEffect(() => { if (can("workspaces:DescribeTags")) load(); }, [w.WorkspaceId]);
  const change = async (action, input) => {
    setError(null);
    try {
      await call(action, { ResourceId: w.WorkspaceId, ...input });
      await load();
      return true;
    } catch (err) {
      setError(err);
      return false;
    }
  };
  const add = async (e) => {
    e.preventDefault();
    if (await change("workspaces:CreateTags", { Tags: [{ Key: draft.Key.trim(), Value: draft.Value }] }))
      setDraft({ Key: "", Value: "" });
  };
  return html`<div class="tags">
    ${!can("workspaces:DescribeTags") && html`<p>This key may not read tags.</p>`}
    ${tags !== null && (tags.length === 0 ? html`<p class="empty">No tags.</p>` : html`
      <table class="tags-table"><thead><tr><th scope="col">Key</th><th scope="col">Value</th>
        ${can("workspaces:DeleteTags") && html`<th scope="col"><span class="visually-hidden">Remove</span></th>`}
      </tr></thead>
      <tbody>${tags.map(t => html`<tr key=${t.Key} data-tag-key=${t.Key}><td>${t.Key}</td><td>${t.Value}</td>
        ${can("workspaces:DeleteTags") && html`<td><button type="button" class="secondary outline small"
          aria-label=${"Remove tag " + t.Key}
          onClick=${() => change("workspaces:DeleteTags", { TagKeys: [t.Key] })}>Remove</button></td>`}
      </tr>`)}</tbody></table>`)}
    <${InlineError} error=${error} />
    ${can("workspaces:CreateTags") && html`<form class="tag-add" onSubmit=${add} aria-label="Add a tag">
      <div class="field"><label for=${ids.key}>Tag key</label>
        <input id=${ids.key} name="tagKey" required value=${draft.Key}
          onInput=${e => setDraft({ ...draft, Key: e.currentTarget.value })} /></div>
      <div class="field"><label for=${ids.value}>Tag value</label>
        <input id=${ids.value} name="tagValue" value=${draft.Value}
          onInput=${e => setDraft({ ...draft, Value: e.currentTarget.value })} /></div>
      <button type="submit" class="secondary">Add tag</button>
    </form>`}
  </div>`;
}

function MaintenanceButton({ w, onChanged }) {
  const [error, setError] = useState(null);
  if (!can("workspaces:ModifyWorkspaceState")) return null;
  const target = w.State === "ADMIN_MAINTENANCE" ? "AVAILABLE" : "ADMIN_MAINTENANCE";
  const run = async () => {
    setError(null);
    try {
      await call("workspaces:ModifyWorkspaceState", { WorkspaceId: w.WorkspaceId, WorkspaceState: target });
      showNotice(`ModifyWorkspaceState: ${w.WorkspaceId} set to ${target}.`);
      onChanged();
    } catch (err) { setError(err); }
  };
  return html`<button type="button" class="secondary outline" onClick=${run}>
    ${target === "AVAILABLE" ? "Leave admin maintenance" : "Admin maintenance"}</button>
    <${InlineError} error=${error} />`;
}

export function ManageWorkspace({ workspace: w, connection, busy, onAction, onChanged, onClose }) {
  const actions = allowedActions();
  return html`<${Modal} title=${w.WorkspaceId} onClose=${onClose} label="manage" wide focus="close">
    <section aria-label="Details"><${Details} w=${w} connection=${connection} /></section>
    ${actions.length > 0 && html`<section class="manage-actions" aria-label="Actions">
      <h3>Actions</h3>
      <div class="button-row">
        ${actions.map(def => html`<button type="button" key=${def.id} data-action=${def.id} disabled=${busy}
          class=${def.id === "terminate" ? "danger outline" : "secondary outline"}
          onClick=${() => onAction(def, [w.WorkspaceId])}>${def.label}</button>`)}
        <${MaintenanceButton} w=${w} onChanged=${onChanged} />
      </div>
    </section>`}
    ${can("workspaces:ModifyWorkspaceProperties") && html`<section aria-label="Modify properties">
      <h3>Properties</h3>
      <${Properties} key=${w.WorkspaceId + JSON.stringify(w.WorkspaceProperties)} w=${w} onChanged=${onChanged} />
    </section>`}
    <section aria-label="Tags"><h3>Tags</h3><${Tags} w=${w} /></section>
  </${Modal}>`;
}
