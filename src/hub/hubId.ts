import { InputError } from '../errors.js';

/** A model on the hub: `org/name`, and the revision named with `org/name@revision`, if any. */
export interface HubModelRef {
  id: string;
  revision?: string;
}

// huggingface_hub's validate_repo_id: word characters, '-' and '.', starting and ending with a
// word character, no '--' or '..' (they would make the cache folder name ambiguous), 96 at most.
const REPO_PART = /^\w(?:[\w.-]*\w)?$/;
const MAX_ID_LENGTH = 96;

function isRepoPart(part: string): boolean {
  return REPO_PART.test(part) && !part.includes('--') && !part.includes('..');
}

/** A revision is a path under refs/ in the cache, so it must not climb out of it. */
function isSafeRevision(revision: string): boolean {
  return /^[\w.\-/]+$/.test(revision) && !revision.startsWith('/') && !revision.endsWith('/') && revision.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..');
}

export function isCommitSha(revision: string): boolean {
  return /^[0-9a-f]{40}$/.test(revision);
}

/**
 * Reads `org/name` or `org/name@revision`; anything else (a path, a bare name) is not a hub id
 * and gives undefined, so the caller can treat it as a local directory.
 */
export function parseHubId(text: string): HubModelRef | undefined {
  const at = text.indexOf('@');
  const id = at === -1 ? text : text.slice(0, at);
  const revision = at === -1 ? undefined : text.slice(at + 1);
  const parts = id.split('/');
  if (parts.length !== 2 || !parts.every(isRepoPart) || id.length > MAX_ID_LENGTH) return undefined;
  if (revision !== undefined) checkRevision(revision, text);
  return revision === undefined ? { id } : { id, revision };
}

export function checkRevision(revision: string, context: string): string {
  if (!isSafeRevision(revision)) throw new InputError(`revision "${revision}" of ${context} is not a branch, tag or commit sha`);
  return revision;
}

/** The revision to use: the option, else the id's `@revision`, else main; both given must agree. */
export function chooseRevision(ref: HubModelRef, option: string | undefined): string {
  if (option !== undefined) checkRevision(option, ref.id);
  if (option !== undefined && ref.revision !== undefined && option !== ref.revision) {
    throw new InputError(`${ref.id} is asked at two revisions: @${ref.revision} and revision ${option}`);
  }
  return option ?? ref.revision ?? 'main';
}
