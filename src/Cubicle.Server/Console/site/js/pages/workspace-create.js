// The form that creates one WorkSpace: a registered directory, a user of it (suggested from the directory where
// Directory Service Data lists its users), a bundle (Amazon's or the account's own), the running mode and tags.
import { html, useState, useEffect, useId } from "../lib.js";
import { call, can } from "../api.js";
import { Modal, InlineError, showNotice } from "../ui.js";
import { workspaceDirectories, bundles, directoryUsers } from "../data.js";

/** Key/value rows; empty keys are left out when sent. Used by the create form. */
export function TagRows({ tags, setTags }) {
  const set = (i, name) => (e) => setTags(tags.map((t, j) => (j === i ? { ...t, [name]: e.currentTarget.value } : t)));
  return html`<fieldset class="tags-editor">
    <legend>Tags</legend>
    ${tags.map((t, i) => html`<div class="tag-row" key=${i}>
      <input aria-label=${`Tag ${i + 1} key`} placeholder="Key" value=${t.Key} onInput=${set(i, "Key")} />
      <input aria-label=${`Tag ${i + 1} value`} placeholder="Value" value=${t.Value} onInput=${set(i, "Value")} />
      <button type="button" class="secondary outline small" aria-label=${`Remove tag ${i + 1}`}
        onClick=${() => setTags(tags.filter((_, j) => j !== i))}>Remove</button>
    </div>`)}
    <button type="button" class="secondary outline small" onClick=${() => setTags([...tags, { Key: "", Value: "" }])}>
      Add tag</button>
  </fieldset>`;
}

export function CreateWorkspace({ onClose, onCreated }) {
  const [directories, setDirectories] = useState(null);
  const [bundleList, setBundleList] = useState(null);
  const [users, setUsers] = useState({ list: [], error: null });
  const [loadError, setLoadError] = useState(null);
  const [form, setForm] = useState({ directoryId: "", userName: "", bundleId: "", runningMode: "AUTO_STOP",
    timeout: 60 });
  const [tags, setTags] = useState([]);
  const [result, setResult] = useState({ error: null, failures: [] });
  const [busy, setBusy] = useState(false);
  const ids = { dir: useId(), user: useId(), users: useId(), bundle: useId(), mode: useId(), timeout: useId(),
    usersHint: useId() };

  useEffect(() => {
    Promise.all([workspaceDirectories(true), bundles(true)]).then(([dirs, list]) => {
      const registered = dirs.filter(d => d.State === "REGISTERED");
      setDirectories(registered);
      setBundleList(list.filter(b => (b.State ?? "AVAILABLE") === "AVAILABLE"));
      setForm(f => ({ ...f, directoryId: f.directoryId || registered[0]?.DirectoryId || "",
        bundleId: f.bundleId || list[0]?.BundleId || "" }));
    }, setLoadError);
  }, []);

  // Suggest the directory's users where they can be listed; otherwise say why, and the name is typed.
  useEffect(() => {
    setUsers({ list: [], error: null });
    if (!form.directoryId) return;
    if (!can("ds-data:ListUsers")) return;
    let alive = true;
    directoryUsers(form.directoryId).then(list => alive && setUsers({ list, error: null }),
      error => alive && setUsers({ list: [], error }));
    return () => { alive = false; };
  }, [form.directoryId]);

  const set = (name) => (e) => setForm({ ...form, [name]: e.currentTarget.value });
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setResult({ error: null, failures: [] });
    const properties = { RunningMode: form.runningMode };
    if (form.runningMode === "AUTO_STOP") properties.RunningModeAutoStopTimeoutInMinutes = Number(form.timeout);
    const request = { DirectoryId: form.directoryId, UserName: form.userName.trim(), BundleId: form.bundleId,
      WorkspaceProperties: properties };
    const sent = tags.filter(t => t.Key.trim()).map(t => ({ Key: t.Key.trim(), Value: t.Value }));
    if (sent.length) request.Tags = sent;
    try {
      const out = await call("workspaces:CreateWorkspaces", { Workspaces: [request] });
      if (out.FailedRequests?.length) {
        setResult({ error: null, failures: out.FailedRequests });
      } else {
        const created = (out.PendingRequests ?? []).map(w => w.WorkspaceId);
        showNotice(`CreateWorkspaces: ${created.join(", ")} is being created.`);
        onCreated(created);
        return;
      }
    } catch (error) {
      setResult({ error, failures: [] });
    }
    setBusy(false);
  };

  const amazon = (bundleList ?? []).filter(b => b.Owner === "AMAZON");
  const own = (bundleList ?? []).filter(b => b.Owner !== "AMAZON");
  const bundleOption = (b) => html`<option key=${b.BundleId} value=${b.BundleId}>
    ${b.Name} — ${b.ComputeType?.Name}, root ${b.RootStorage?.Capacity} GiB, user ${b.UserStorage?.Capacity} GiB
  </option>`;

  return html`<${Modal} title="Create WorkSpace" onClose=${onClose} label="create" wide footer=${html`
      <button type="button" class="secondary" onClick=${onClose}>Cancel</button>
      <button type="submit" form="create-form" id="create-submit" disabled=${busy || !directories}
        aria-busy=${busy ? "true" : "false"}>Create</button>`}>
    <${InlineError} error=${loadError} />
    <form id="create-form" onSubmit=${submit}>
      <div class="grid-2">
        <div class="field"><label for=${ids.dir}>Directory</label>
          <select id=${ids.dir} name="directory" required value=${form.directoryId} onChange=${set("directoryId")}>
            ${directories === null && html`<option value="">Loading…</option>`}
            ${(directories ?? []).map(d => html`<option key=${d.DirectoryId} value=${d.DirectoryId}>
              ${d.DirectoryId} (${d.DirectoryName ?? d.Alias}, ${d.DirectoryType})</option>`)}
          </select></div>
        <div class="field"><label for=${ids.user}>User</label>
          <input id=${ids.user} name="user" required list=${ids.users} spellcheck="false" autocomplete="off"
            value=${form.userName} onInput=${set("userName")} aria-describedby=${ids.usersHint} />
          <datalist id=${ids.users}>
            ${users.list.map(u => html`<option key=${u.SAMAccountName} value=${u.SAMAccountName}>
              ${[u.GivenName, u.Surname].filter(Boolean).join(" ")}</option>`)}
          </datalist>
          <small id=${ids.usersHint}>${users.error
            ? html`Users cannot be listed (<strong>${users.error.code}</strong>: ${users.error.message}): type the
                user name.`
            : users.list.length ? `${users.list.length} users in this directory.` : "The directory's user name."}
          </small></div>
      </div>
      <div class="field"><label for=${ids.bundle}>Bundle</label>
        <select id=${ids.bundle} name="bundle" required value=${form.bundleId} onChange=${set("bundleId")}>
          ${amazon.length > 0 && html`<optgroup label="Amazon bundles">${amazon.map(bundleOption)}</optgroup>`}
          ${own.length > 0 && html`<optgroup label="Your bundles">${own.map(bundleOption)}</optgroup>`}
        </select></div>
      <div class="grid-2">
        <div class="field"><label for=${ids.mode}>Running mode</label>
          <select id=${ids.mode} name="runningMode" value=${form.runningMode} onChange=${set("runningMode")}>
            <option value="AUTO_STOP">AUTO_STOP</option>
            <option value="ALWAYS_ON">ALWAYS_ON</option>
          </select></div>
        ${form.runningMode === "AUTO_STOP" && html`<div class="field">
          <label for=${ids.timeout}>AutoStop timeout (minutes, in steps of 60)</label>
          <input id=${ids.timeout} name="timeout" type="number" min="60" step="60" required
            value=${form.timeout} onInput=${set("timeout")} /></div>`}
      </div>
      <${TagRows} tags=${tags} setTags=${setTags} />
    </form>
    <${InlineError} error=${result.error} />
    ${result.failures.length > 0 && html`<div class="alert alert-error" role="alert">
      <div class="alert-text"><strong class="alert-code">CreateWorkspaces: the request failed</strong>
        ${result.failures.map((f, i) => html`<p key=${i} class="failure" data-code=${f.ErrorCode}>
          <strong>${f.ErrorCode}</strong> ${f.ErrorMessage}</p>`)}</div></div>`}
  </${Modal}>`;
}
