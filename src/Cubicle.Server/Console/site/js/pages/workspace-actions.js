// The state-changing actions on WorkSpaces, shared by the bulk toolbar and a workspace's own dialog. Batch
// operations take up to 25 requests a call (RebuildWorkspaces one, RestoreWorkspace is per workspace); each
// refused request comes back in FailedRequests and is shown with its ErrorCode and ErrorMessage.
import { call, can } from "../api.js";
import { showError, showFailures, showNotice } from "../ui.js";

export const ACTIONS = [
  { id: "reboot", label: "Reboot", action: "workspaces:RebootWorkspaces", member: "RebootWorkspaceRequests",
    batch: 25 },
  { id: "start", label: "Start", action: "workspaces:StartWorkspaces", member: "StartWorkspaceRequests", batch: 25 },
  { id: "stop", label: "Stop", action: "workspaces:StopWorkspaces", member: "StopWorkspaceRequests", batch: 25 },
  { id: "rebuild", label: "Rebuild", action: "workspaces:RebuildWorkspaces", member: "RebuildWorkspaceRequests",
    batch: 1, confirm: "Rebuilding recreates the root volume from the bundle's image and the user volume from " +
      "its latest snapshot: anything saved since that snapshot is lost." },
  { id: "restore", label: "Restore", action: "workspaces:RestoreWorkspace", single: true,
    confirm: "Restoring brings the root and user volumes back to their latest snapshots: anything saved since " +
      "is lost." },
  { id: "terminate", label: "Terminate", action: "workspaces:TerminateWorkspaces",
    member: "TerminateWorkspaceRequests", batch: 25,
    confirm: "Terminating deletes the WorkSpaces and their volumes for good. This cannot be undone." },
];

/** The actions the key's policy may allow: the others get no button at all. */
export const allowedActions = () => ACTIONS.filter(a => can(a.action));

const chunks = (list, size) => {
  const out = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
};

/**
 * Runs an action on the WorkSpaces and reports: a notice for those accepted, a table for those refused, and
 * the API's error if a whole call was refused (then the rest is not tried: it would be refused the same way).
 */
export async function runAction(def, ids) {
  const failures = [];
  let accepted = 0;
  for (const part of def.single ? ids.map(id => [id]) : chunks(ids, def.batch)) {
    try {
      if (def.single) {
        await call(def.action, { WorkspaceId: part[0] });
        accepted++;
      } else {
        const out = await call(def.action, { [def.member]: part.map(WorkspaceId => ({ WorkspaceId })) });
        const failed = out.FailedRequests ?? [];
        failures.push(...failed);
        accepted += part.length - failed.length;
      }
    } catch (e) {
      // A per-workspace operation's error belongs to that workspace, like a batch's FailedRequests.
      if (def.single && e.status >= 400 && e.status < 500 && e.code !== "AccessDeniedException") {
        failures.push({ WorkspaceId: part[0], ErrorCode: e.code, ErrorMessage: e.message });
        continue;
      }
      showError(e, def.action.split(":")[1]);
      break;
    }
  }
  const op = def.action.split(":")[1];
  showFailures(op, failures);
  if (accepted) showNotice(`${op}: accepted for ${accepted} WorkSpace${accepted === 1 ? "" : "s"}.`);
  return { accepted, failures };
}
