// The Directories page: each directory as WorkSpaces has it registered (DescribeWorkspaceDirectories) and as
// Directory Service describes it (DescribeDirectories), with the users of a built-in directory (Simple AD)
// through Directory Service Data, which needs data access enabled on the directory first.
import { html, useState, useEffect } from "../lib.js";
import { call, can } from "../api.js";
import { InlineError, formatTime, showNotice } from "../ui.js";
import { all, directoryUsers, workspaceDirectories } from "../data.js";

// Directory Service Data serves the directories whose users Cubicle keeps itself.
const BUILT_IN = new Set(["SimpleAD", "MicrosoftAD"]);
const sleep = (ms) => new Promise(r => setTimeout(r, ms));

function Facts({ rows }) {
  const shown = rows.filter(([, v]) => v !== undefined && v !== null && v !== "");
  return html`<dl class="details">${shown.map(([k, v]) => html`<div key=${k}><dt>${k}</dt><dd>${v}</dd></div>`)}</dl>`;
}

function Users({ directoryId }) {
  const [state, setState] = useState({ users: null, error: null });
  const [enabling, setEnabling] = useState(false);
  const load = () => directoryUsers(directoryId).then(users => setState({ users, error: null }),
    error => setState({ users: null, error }));
  useEffect(() => { load(); }, [directoryId]);

  // Enabling takes a moment (Enabling, then Enabled): wait for it, then list the users.
  const enable = async () => {
    setEnabling(true);
    try {
      await call("ds:EnableDirectoryDataAccess", { DirectoryId: directoryId });
      showNotice(`EnableDirectoryDataAccess: data access of ${directoryId} is being enabled.`);
      for (let i = 0; i < 60; i++) {
        if (!can("ds:DescribeDirectoryDataAccess")) { await sleep(1000); break; }
        const out = await call("ds:DescribeDirectoryDataAccess", { DirectoryId: directoryId });
        if (out.DataAccessStatus === "Enabled") break;
        await sleep(500);
      }
    } catch (error) {
      setState({ users: null, error });
    }
    await load();
    setEnabling(false);
  };

  const disabled = state.error?.body?.Reason === "DATA_DISABLED" || /not enabled/i.test(state.error?.message ?? "");
  if (state.error) {
    return html`<${InlineError} error=${state.error}>
      ${disabled && can("ds:EnableDirectoryDataAccess") && html`<div class="button-row">
        <button type="button" class="small enable-data-access" onClick=${enable} disabled=${enabling}
          aria-busy=${enabling ? "true" : "false"}>Enable data access</button></div>`}
    </${InlineError}>`;
  }
  if (state.users === null) return html`<p aria-busy="true">Loading users…</p>`;
  if (!state.users.length) return html`<p class="empty">No users.</p>`;
  return html`<div class="table-scroll"><table class="striped users-table">
    <thead><tr><th scope="col">User name</th><th scope="col">Given name</th><th scope="col">Surname</th>
      <th scope="col">Enabled</th></tr></thead>
    <tbody>${state.users.map(u => html`<tr key=${u.SAMAccountName} data-user=${u.SAMAccountName}>
      <td>${u.SAMAccountName}</td><td>${u.GivenName}</td><td>${u.Surname}</td>
      <td>${u.Enabled === false ? "no" : "yes"}</td></tr>`)}</tbody>
  </table></div>`;
}

function Directory({ id, registered, described }) {
  const [showUsers, setShowUsers] = useState(true);
  const r = registered ?? {};
  const d = described ?? {};
  return html`<article class="directory" data-directory-id=${id} aria-labelledby=${"dir-" + id}>
    <header><h2 id=${"dir-" + id}>${d.Name ?? r.DirectoryName ?? id}
      <small> <code>${id}</code></small></h2></header>
    <div class="grid-2">
      <section aria-label="Registration with WorkSpaces">
        <h3>WorkSpaces</h3>
        ${registered ? html`<${Facts} rows=${[
          ["State", r.State], ["Type", r.DirectoryType], ["Alias", r.Alias],
          ["Registration code", r.RegistrationCode && html`<code>${r.RegistrationCode}</code>`],
          ["Tenancy", r.Tenancy], ["Workspace type", r.WorkspaceType], ["Identity", r.UserIdentityType],
          ["Subnets", r.SubnetIds?.join(", ")], ["DNS", r.DnsIpAddresses?.join(", ")],
          ["Security group", r.WorkspaceSecurityGroupId], ["Error", r.ErrorMessage],
        ]} />` : html`<p>Not registered with WorkSpaces.</p>`}
      </section>
      <section aria-label="Directory Service">
        <h3>Directory Service</h3>
        ${described ? html`<${Facts} rows=${[
          ["Stage", d.Stage], ["Type", d.Type], ["Size", d.Size], ["Short name", d.ShortName],
          ["Access URL", d.AccessUrl], ["DNS", d.DnsIpAddrs?.join(", ")], ["Launched", d.LaunchTime &&
            formatTime(d.LaunchTime)], ["Stage reason", d.StageReason], ["Description", d.Description],
        ]} />` : html`<p>Not described by Directory Service.</p>`}
      </section>
    </div>
    ${BUILT_IN.has(d.Type) && html`<section class="users" aria-label=${"Users of " + id}>
      <h3>Users
        <button type="button" class="secondary outline small" aria-expanded=${showUsers ? "true" : "false"}
          onClick=${() => setShowUsers(!showUsers)}>${showUsers ? "Hide" : "Show"}</button></h3>
      ${showUsers && html`<${Users} directoryId=${id} />`}
    </section>`}
  </article>`;
}

export function Directories() {
  const [registered, setRegistered] = useState(null);
  const [described, setDescribed] = useState(null);
  const [errors, setErrors] = useState({});
  const load = () => {
    setErrors({});
    workspaceDirectories(true).then(setRegistered, e => { setRegistered([]); setErrors(x => ({ ...x, ws: e })); });
    all("ds:DescribeDirectories", {}, o => o.DirectoryDescriptions)
      .then(setDescribed, e => { setDescribed([]); setErrors(x => ({ ...x, ds: e })); });
  };
  useEffect(load, []);
  const ids = [...new Set([...(registered ?? []), ...(described ?? [])].map(x => x.DirectoryId))];
  return html`<section class="page directories" aria-labelledby="directories-title">
    <div class="page-head"><h1 id="directories-title">Directories</h1>
      <div class="page-tools"><button type="button" class="secondary outline" onClick=${load}>Refresh</button></div>
    </div>
    <${InlineError} error=${errors.ws} />
    <${InlineError} error=${errors.ds} />
    ${(registered === null || described === null) && html`<p aria-busy="true">Loading directories…</p>`}
    ${registered !== null && described !== null && ids.length === 0 && html`<p class="empty">No directories.</p>`}
    ${registered !== null && described !== null && ids.map(id => html`<${Directory} key=${id} id=${id}
      registered=${registered.find(r => r.DirectoryId === id)}
      described=${described.find(d => d.DirectoryId === id)} />`)}
  </section>`;
}
