export { translate } from './translate.js';
export { createTranslationCache, type TranslationCache } from './translation-cache.js';
export { translateEndpointChange, type SliceRef } from './endpoint-update.js';
export { applyStatuses } from './apply-statuses.js';
export { DEFAULT_CONTROLLER_NAME, DEFAULT_INGRESS_CONTROLLER_NAME, DEFAULT_RESERVED_PORTS, resolveOptions } from './options.js';
export type { TranslateOptions, ResolvedOptions } from './options.js';
export { statusKey } from './result.js';
export type { Diagnostic, IngressStatus, ObjectStatus, TranslationResult } from './result.js';
export { SUPPORTED_FEATURES } from './supported-features.js';
