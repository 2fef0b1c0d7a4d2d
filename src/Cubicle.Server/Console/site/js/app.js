// The console's entry point: reads the session, then shows the sign-in form or the signed-in layout, whose
// page is chosen by the URL's hash (#/workspaces, #/directories, #/bundles, #/audit, #/hosts).
import { html, render, useState, useEffect } from "./lib.js";
import { session, onSession, refreshSession, signOut } from "./api.js";
import { Alerts, clearAlerts, showError } from "./ui.js";
import { clearCache } from "./data.js";
import { SignIn } from "./pages/sign-in.js";
import { Workspaces } from "./pages/workspaces.js";
import { Directories } from "./pages/directories.js";
import { Bundles } from "./pages/bundles.js";
import { Audit } from "./pages/audit.js";
import { Hosts } from "./pages/hosts.js";

const PAGES = [
  { route: "workspaces", title: "WorkSpaces", component: Workspaces },
  { route: "directories", title: "Directories", component: Directories },
  { route: "bundles", title: "Bundles", component: Bundles },
  { route: "audit", title: "Audit", component: Audit },
  { route: "hosts", title: "Hosts", component: Hosts },
];

const routeOf = () => {
  const name = location.hash.replace(/^#\/?/, "").split(/[/?]/)[0];
  return PAGES.find(p => p.route === name) ?? PAGES[0];
};

function useRoute() {
  const [page, setPage] = useState(routeOf);
  useEffect(() => {
    const onHash = () => setPage(routeOf());
    addEventListener("hashchange", onHash);
    return () => removeEventListener("hashchange", onHash);
  }, []);
  return page;
}

function Layout({ current }) {
  const page = useRoute();
  useEffect(() => { document.title = `${page.title} · Cubicle console`; }, [page]);
  const Page = page.component;
  return html`
    <header class="topbar">
      <nav class="container-fluid" aria-label="Main">
        <ul><li><a href="#/workspaces" class="brand">Cubicle</a></li></ul>
        <ul class="nav-pages">
          ${PAGES.map(p => html`<li key=${p.route}>
            <a href=${"#/" + p.route} aria-current=${p === page ? "page" : undefined}>${p.title}</a></li>`)}
        </ul>
        <ul class="nav-user">
          <li class="who" title=${current.principalArn}>
            <span class="who-key">${current.accessKeyId}</span>
            <span class="who-region">${current.region}</span></li>
          <li><button type="button" class="secondary outline sign-out" onClick=${signOut}>Sign out</button></li>
        </ul>
      </nav>
    </header>
    <main class="container-fluid" id="main">
      <${Alerts} />
      <${Page} key=${page.route} />
    </main>`;
}

function App() {
  const [current, setCurrent] = useState(session());
  const [loaded, setLoaded] = useState(false);
  useEffect(() => {
    let signedIn = null;
    const stop = onSession(s => {
      // Another key may see other things: nothing is carried over from one session to the next.
      if (signedIn !== null && s.signedIn !== signedIn) { clearCache(); clearAlerts(); }
      signedIn = s.signedIn;
      setCurrent(s);
    });
    refreshSession().catch(e => showError(e, "Reading the session")).finally(() => setLoaded(true));
    return stop;
  }, []);
  if (!loaded) return html`<main class="container"><p aria-busy="true">Loading the console…</p></main>`;
  return current.signedIn ? html`<${Layout} current=${current} />` : html`<${SignIn} />`;
}

// The static "Loading…" placeholder goes: Preact renders into an empty element.
const root = document.getElementById("app");
root.textContent = "";
render(html`<${App} />`, root);
