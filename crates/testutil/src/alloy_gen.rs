//! Generates large, realistic Alloy configurations for benchmarks and tests.
//!
//! The text mixes what real configs hold: labelled components with nested blocks,
//! arrays of objects, comments, raw strings, arithmetic and standard-library calls.
//! Every expression evaluates without any component in scope, so the same text can
//! be scanned, parsed, evaluated and formatted.

use std::fmt::Write;

/// A configuration of at least `min_bytes` bytes, the same for the same size.
pub fn config(min_bytes: usize) -> String {
    let mut out = String::with_capacity(min_bytes + 4096);
    out.push_str(
        "// Generated configuration.\n\nlogging {\n\tlevel  = \"info\"\n\tformat = \"logfmt\"\n}\n",
    );
    let mut n = 0;
    while out.len() < min_bytes {
        component(&mut out, n);
        n += 1;
    }
    out
}

fn component(out: &mut String, n: usize) {
    // Writing into a String cannot fail.
    let _ = match n % 4 {
        0 => write!(
            out,
            r#"
// Scrape job {n}: targets of one fleet.
prometheus.scrape "job_{n}" {{
	targets = [
		{{"__address__" = "host-{n}-a:9100", "env" = "prod", "team" = "payments"}},
		{{"__address__" = "host-{n}-b:9100", "env" = "prod", "team" = "payments"}},
		{{"__address__" = "host-{n}-c:9100", "env" = "staging", "team" = "search"}},
	]
	job_name        = string.format("job-%d", {n})
	scrape_interval = "15s"
	scrape_timeout  = "10s"
	honor_labels    = {n} % 2 == 0
	params          = {{"module" = ["http_2xx", "tcp_connect"]}}

	basic_auth {{
		username = "user-{n}"
		password = coalesce(sys.env("SCRAPE_PASSWORD_{n}"), "fallback")
	}}
}}
"#
        ),
        1 => write!(
            out,
            r#"
discovery.relabel "pods_{n}" {{
	targets = [{{"__meta_kubernetes_pod_name" = "pod-{n}", "__meta_kubernetes_namespace" = "default"}}]

	rule {{
		source_labels = ["__meta_kubernetes_pod_name", "__meta_kubernetes_namespace"]
		separator     = "/"
		regex         = `(.+)/(.+)`
		target_label  = "instance"
		replacement   = "$2/$1"
	}}

	rule {{
		action = "labelmap"
		regex  = "__meta_kubernetes_pod_label_(.+)"
	}}
}}
"#
        ),
        2 => write!(
            out,
            r#"
otelcol.processor.batch "batch_{n}" {{
	timeout             = "200ms"
	send_batch_size     = 8192 * ({n} % 3 + 1)
	send_batch_max_size = 8192 * 4 / 2 - 1024 + {n} ^ 2 % 7

	output {{
		traces  = []
		metrics = []
		logs    = []
	}}
}}
"#
        ),
        _ => write!(
            out,
            r#"
/* Remote write endpoint {n}, with
   retries tuned for a slow link. */
prometheus.remote_write "rw_{n}" {{
	external_labels = {{
		cluster = "eu-west-" + string.to_lower("A{n}"),
		replica = string.join(["r", "{n}"], "-"),
	}}

	endpoint {{
		url            = "https://prometheus-{n}.example.net/api/prom/push"
		remote_timeout = "30s"
		headers        = {{"X-Scope-OrgID" = "tenant-{n}"}}

		queue_config {{
			capacity             = 10000
			max_shards           = 50
			max_samples_per_send = 2000
			retry_on_http_429    = !false && true || false
		}}
	}}
}}
"#
        ),
    };
}
