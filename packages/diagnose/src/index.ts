export { LINKS, type Check, type DiagnoseInput, type Finding, type FindingLevel, type Link, type ObjectRef, type QuarantinedRoute } from './findings.js';
export { runChecks, type DiagnoseOptions, type DiagnoseReport } from './report.js';
export { renderReport, type ReportFormat } from './render-report.js';
export { ALL_CHECKS } from './checks/index.js';
export { offlineInput } from './offline-input.js';
export { checkDataPlane } from './checks/data-plane.js';
export { dataPlaneInputOf, fetchDataPlaneInput, type DataPlaneInput } from './data-plane-input.js';
