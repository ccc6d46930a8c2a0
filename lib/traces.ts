import { PACKAGE_ROOT } from './package-root.ts';

/**
 * The folder of the Azure Functions 2019 trace sample the repository carries (traces/azure-a, CC BY 4.0;
 * see traces/README.md). The one default for every test, benchmark and CLI example that replays it.
 */
export const AZURE_TRACE_DIR = `${PACKAGE_ROOT}traces/azure-a/`;
