export { resolveModelDir, resolveHubModel, type ResolveModelOptions } from './resolveModel.js';
export { listCachedModels, type CachedModel } from './cacheScan.js';
export { defaultCacheDir, hubSettings, type HubOptions, type HubSettings } from './hubSettings.js';
export { parseHubId, type HubModelRef } from './hubId.js';
export { HubError, type HubErrorKind } from './hubError.js';
export { formatBytes } from './progress.js';
