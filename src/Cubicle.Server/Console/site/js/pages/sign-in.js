// Sign-in with an access key: the key id, its secret and the region the console works in. A failure shows the
// API's error code and message (and, when sign-ins are being slowed down, how long to wait).
import { html, useState, useId } from "../lib.js";
import { signIn } from "../api.js";
import { Alerts } from "../ui.js";

const REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-1", "ap-northeast-1"];

export function SignIn() {
  const [form, setForm] = useState({ accessKeyId: "", secretAccessKey: "", region: "us-east-1" });
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const regions = useId();
  const set = (name) => (e) => setForm({ ...form, [name]: e.currentTarget.value });
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(form.accessKeyId.trim(), form.secretAccessKey, form.region.trim());
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return html`<main class="container sign-in">
    <${Alerts} />
    <article>
      <header><h1>Cubicle console</h1><p>Sign in with an access key.</p></header>
      <form onSubmit=${submit} id="sign-in-form">
        <label>Access key ID
          <input name="accessKeyId" id="access-key-id" autocomplete="username" required spellcheck="false"
            value=${form.accessKeyId} onInput=${set("accessKeyId")} /></label>
        <label>Secret access key
          <input name="secretAccessKey" id="secret-access-key" type="password" autocomplete="current-password"
            required value=${form.secretAccessKey} onInput=${set("secretAccessKey")} /></label>
        <label>Region
          <input name="region" id="region" list=${regions} required spellcheck="false"
            value=${form.region} onInput=${set("region")} /></label>
        <datalist id=${regions}>${REGIONS.map(r => html`<option key=${r} value=${r} />`)}</datalist>
        ${error && html`<div class="alert alert-error" role="alert" id="sign-in-error" data-code=${error.code}>
          <div class="alert-text"><strong class="alert-code">${error.code}</strong>
            <span class="alert-message"> ${error.message}</span>
            ${error.retryAfter && html` <span class="alert-retry">Retry after ${error.retryAfter} s.</span>`}
          </div></div>`}
        <button type="submit" id="sign-in" aria-busy=${busy ? "true" : "false"} disabled=${busy}>Sign in</button>
      </form>
    </article>
  </main>`;
}
