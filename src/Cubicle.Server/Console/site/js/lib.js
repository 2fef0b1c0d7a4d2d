// One place that binds the vendored libraries together: `html` is htm's tagged template bound to Preact's h(),
// so components are written as html`<div>…</div>` without a build step.
import { h, render, Fragment } from "../vendor/preact.mjs";
import htm from "../vendor/htm.mjs";

export const html = htm.bind(h);
export { render, Fragment };
export { useState, useEffect, useRef, useMemo, useCallback, useId } from "../vendor/hooks.mjs";
