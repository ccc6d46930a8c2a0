/**
 * Prometheus name grammar (https://prometheus.io/docs/concepts/data_model/), one rule for the
 * exposition parser and the PromQL-subset parser. Anchored at the start, unanchored at the end: the
 * parsers read a name off the front of the text.
 */

/** A metric name: `[a-zA-Z_:][a-zA-Z0-9_:]*`. */
export const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
/** A label name: `[a-zA-Z_][a-zA-Z0-9_]*`. */
export const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
