//! The Prometheus pipeline end to end through the real binary:
//! `prometheus.scrape` → `prometheus.remote_write` → Debian's `prometheus`
//! (remote-write receiver), queried back through its HTTP API.

mod prometheus_support;
mod run_support;

use prometheus_support::{
    Peer, Reply, ScriptedTarget, Series, eventually, parse_exposition, same_value, status_string,
    target_statuses,
};
use run_support::{Alloy, dir_with};
use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::time::Duration;

/// How long remote-written samples may take to be queryable (the default
/// batch deadline is 5 s; a loaded CI machine is slower).
const DELIVERY: Duration = Duration::from_secs(60);

/// Series every scrape adds per target besides the exposition's.
const SYNTHETIC: [&str; 5] = [
    "up",
    "scrape_duration_seconds",
    "scrape_samples_scraped",
    "scrape_samples_post_metric_relabeling",
    "scrape_series_added",
];

/// Values that must survive text → scrape → remote write → Prometheus
/// bit for bit, served by node_exporter's textfile collector.
const ROUND_TRIP_PROM: &str = r#"# HELP ferro_round_trip Values and labels that must arrive unchanged.
# TYPE ferro_round_trip gauge
ferro_round_trip{case="nan"} NaN
ferro_round_trip{case="pos_inf"} +Inf
ferro_round_trip{case="neg_inf"} -Inf
ferro_round_trip{case="min_subnormal"} 4.9e-324
ferro_round_trip{case="max"} 1.7976931348623157e+308
ferro_round_trip{case="neg_zero"} -0
ferro_round_trip{case="tenth"} 0.1
ferro_round_trip{case="above_2_53"} 9007199254740993
ferro_round_trip{case="escapes",text="quote \" backslash \\ newline \n snowman ☃"} 1
"#;

/// Scrapes served per target before it starts answering 503.
const SCRAPES: usize = 3;

/// Fetches `SCRAPES` expositions of a real peer in the text format, to be
/// served to ferroalloy as they were.
fn expositions(peer: &Peer) -> Vec<String> {
    (0..SCRAPES)
        .map(|_| {
            let answer = peer.get("/metrics");
            assert_eq!(answer.status, 200, "{}", answer.body);
            answer.body
        })
        .collect()
}

fn script(bodies: &[String]) -> Vec<Reply> {
    let mut replies: Vec<Reply> = bodies.iter().map(Reply::ok).collect();
    replies.push(Reply {
        status: 503,
        body: "gone\n".into(),
    });
    replies
}

/// Compares what Prometheus stored for one target with the expositions that
/// target served, exactly:
/// - the i-th scrape's timestamp T_i is the i-th `up` sample (scrapes of one
///   target are sequential, so their order is the order of the replies); the
///   first `bodies.len()` are 1, the later ones (503) are 0;
/// - every series of body i has a sample at T_i with the same float bits, and
///   no sample other than those (staleness markers are not returned);
/// - no series besides the bodies' and the synthetic ones;
/// - `scrape_samples_scraped` at T_i is body i's sample count.
fn compare_target(
    prometheus: &Peer,
    job: &str,
    instance: &str,
    bodies: &[String],
) -> Result<(), String> {
    let selector = format!("{{job=\"{job}\",instance=\"{instance}\"}}");
    let mut stored = prometheus.raw_samples(&selector);
    let strip = |mut series: Series| {
        series.remove("job");
        series.remove("instance");
        series
    };
    stored = stored.into_iter().map(|(s, v)| (strip(s), v)).collect();
    let named = |name: &str| Series::from([("__name__".to_string(), name.to_string())]);

    let up = stored.get(&named("up")).cloned().unwrap_or_default();
    if up.len() <= bodies.len() {
        return Err(format!(
            "{job}: {} `up` samples stored, waiting for more than {}",
            up.len(),
            bodies.len()
        ));
    }
    let (served, failed) = up.split_at(bodies.len());
    if served.iter().any(|(_, v)| *v != 1.0) || failed.iter().any(|(_, v)| *v != 0.0) {
        return Err(format!(
            "{job}: up should be 1 for the {} served scrapes, then 0: {up:?}",
            bodies.len()
        ));
    }
    let times: Vec<i64> = served.iter().map(|(t, _)| *t).collect();

    let mut expected: BTreeMap<Series, Vec<(i64, f64)>> = BTreeMap::new();
    for (body, &time) in bodies.iter().zip(&times) {
        let samples = parse_exposition(body);
        let scraped = stored
            .get(&named("scrape_samples_scraped"))
            .and_then(|s| s.iter().find(|(t, _)| *t == time))
            .map(|(_, v)| *v);
        if scraped != Some(samples.len() as f64) {
            return Err(format!(
                "{job}: scrape_samples_scraped at {time} is {scraped:?}, the body had {}",
                samples.len()
            ));
        }
        for (series, value) in samples {
            expected.entry(series).or_default().push((time, value));
        }
    }

    let mut problems = Vec::new();
    for (series, want) in &expected {
        match stored.get(series) {
            None => problems.push(format!("missing {series:?}")),
            Some(got) => {
                let same = got.len() == want.len()
                    && got
                        .iter()
                        .zip(want)
                        .all(|(g, w)| g.0 == w.0 && same_value(g.1, w.1));
                if !same {
                    problems.push(format!("{series:?}: stored {got:?}, scraped {want:?}"));
                }
            }
        }
    }
    for series in stored.keys() {
        let synthetic = SYNTHETIC.contains(&series["__name__"].as_str()) && series.len() == 1;
        if !synthetic && !expected.contains_key(series) {
            problems.push(format!("never scraped, yet stored: {series:?}"));
        }
    }
    if problems.is_empty() {
        return Ok(());
    }
    let shown: Vec<_> = problems.iter().take(10).cloned().collect();
    Err(format!(
        "{job}: {} of {} series differ:\n{}",
        problems.len(),
        expected.len(),
        shown.join("\n")
    ))
}

/// A configuration with one `prometheus.scrape` per (job, targets), every
/// second, all remote-writing to `receiver`.
fn pipeline_config(jobs: &[(&str, &[SocketAddr])], receiver: SocketAddr) -> String {
    let mut config = String::new();
    for (job, targets) in jobs {
        let targets: Vec<String> = targets
            .iter()
            .map(|t| format!("{{\"__address__\" = \"{t}\"}}"))
            .collect();
        config.push_str(&format!(
            r#"prometheus.scrape "{job}" {{
  targets         = [{}]
  job_name        = "{job}"
  scrape_interval = "1s"
  scrape_timeout  = "1s"
  forward_to      = [prometheus.remote_write.local.receiver]
}}

"#,
            targets.join(", ")
        ));
    }
    config.push_str(&format!(
        r#"prometheus.remote_write "local" {{
  endpoint {{
    url = "http://{receiver}/api/v1/write"
  }}
}}
"#
    ));
    config
}

#[test]
fn scraped_node_exporter_and_prometheus_arrive_in_prometheus_unchanged() {
    let dir = dir_with(&[]);
    let textfiles = dir.path().join("textfiles");
    std::fs::create_dir(&textfiles).unwrap();
    std::fs::write(textfiles.join("round_trip.prom"), ROUND_TRIP_PROM).unwrap();
    let node_exporter = Peer::node_exporter(dir.path(), &textfiles);
    let prometheus = Peer::prometheus(dir.path(), None);

    // Real expositions, served to ferroalloy exactly as fetched.
    let node_bodies = expositions(&node_exporter);
    assert!(
        node_bodies[0].contains("ferro_round_trip{case=\"escapes\""),
        "the textfile collector did not pick up the round-trip file:\n{}",
        node_exporter.log()
    );
    let prometheus_bodies = expositions(&prometheus);
    let node_target = ScriptedTarget::start(script(&node_bodies));
    let prometheus_target = ScriptedTarget::start(script(&prometheus_bodies));

    let config = pipeline_config(
        &[
            ("node", &[node_target.addr]),
            ("prometheus", &[prometheus_target.addr]),
        ],
        prometheus.addr,
    );
    std::fs::write(dir.path().join("config.alloy"), config).unwrap();
    let alloy = Alloy::start_ready(dir.path(), "config.alloy", &[]);

    for (job, target, bodies) in [
        ("node", &node_target, &node_bodies),
        ("prometheus", &prometheus_target, &prometheus_bodies),
    ] {
        eventually(DELIVERY, || {
            let served = target.served();
            compare_target(&prometheus, job, &target.addr.to_string(), bodies).map_err(|e| {
                format!(
                    "{e}\n({served} scrapes served)\nferroalloy log:\n{}\nprometheus log:\n{}",
                    alloy.log(),
                    prometheus.log()
                )
            })
        });
    }
}

#[test]
fn a_target_serving_garbage_is_down_with_its_error_while_the_other_goes_on() {
    let dir = dir_with(&[]);
    let prometheus = Peer::prometheus(dir.path(), None);
    let garbage = ScriptedTarget::start(vec![Reply::ok("this is { not an exposition\n")]);
    let good = ScriptedTarget::start(vec![Reply::ok("# TYPE ferro_ok gauge\nferro_ok 42\n")]);
    let config = pipeline_config(&[("mixed", &[garbage.addr, good.addr])], prometheus.addr);
    std::fs::write(dir.path().join("config.alloy"), config).unwrap();
    let alloy = Alloy::start_ready(dir.path(), "config.alloy", &[]);

    // The component's debug info: one status per target.
    eventually(DELIVERY, || {
        let component = alloy.get("/api/v0/web/components/prometheus.scrape.mixed");
        if component.status != 200 {
            return Err(format!(
                "component API: {} {}",
                component.status, component.body
            ));
        }
        let json = component.json();
        let targets = target_statuses(&json["debugInfo"]);
        let find = |addr: &str| {
            targets
                .iter()
                .find(|t| status_string(t, "url").contains(addr))
                .cloned()
        };
        let (Some(bad), Some(fine)) = (
            find(&garbage.addr.to_string()),
            find(&good.addr.to_string()),
        ) else {
            return Err(format!("both targets expected in debugInfo: {json}"));
        };
        let error = status_string(&bad, "last_error");
        if status_string(&bad, "health") != "down" || error.is_empty() {
            return Err(format!(
                "garbage target should be down with an error: {bad:?}"
            ));
        }
        if status_string(&fine, "health") != "up" || !status_string(&fine, "last_error").is_empty()
        {
            return Err(format!("good target should be up without error: {fine:?}"));
        }
        Ok(())
    });

    // What arrived: up 0 and nothing else from the garbage target; the good
    // target's sample and up 1.
    eventually(DELIVERY, || {
        let up = |addr: String| {
            prometheus
                .query(&format!("up{{job=\"mixed\",instance=\"{addr}\"}}"))
                .first()
                .map(|r| r["value"][1].as_str().unwrap_or_default().to_string())
        };
        let bad_up = up(garbage.addr.to_string());
        let good_up = up(good.addr.to_string());
        let ok_value = prometheus
            .query(&format!("ferro_ok{{instance=\"{}\"}}", good.addr))
            .first()
            .map(|r| r["value"][1].clone());
        let garbage_names: BTreeSet<String> = prometheus
            .query(&format!("{{instance=\"{}\"}}", garbage.addr))
            .iter()
            .filter_map(|r| r["metric"]["__name__"].as_str().map(str::to_string))
            .collect();
        let synthetic: BTreeSet<String> = SYNTHETIC.iter().map(|s| s.to_string()).collect();
        if bad_up.as_deref() == Some("0")
            && good_up.as_deref() == Some("1")
            && ok_value == Some(serde_json::json!("42"))
            && garbage_names.is_subset(&synthetic)
        {
            Ok(())
        } else {
            Err(format!(
                "up(garbage)={bad_up:?} up(good)={good_up:?} ferro_ok={ok_value:?} \
                 series of the garbage target={garbage_names:?}\nlog:\n{}",
                alloy.log()
            ))
        }
    });
    assert!(good.served() > 0 && garbage.served() > 0);
}

/// Prometheus's `--web.config.file` with the guide's basic-auth credentials
/// (user `alloy`, password `guide-password`, bcrypt cost 12).
const WEB_CONFIG: &str =
    "basic_auth_users:\n  alloy: $2b$12$DW5R0/DE7UvgkbqbXL408ue79pazHB.C6ldBAwR3FILluLi6ABcUS\n";
const BASIC_AUTH: &str = "Basic YWxsb3k6Z3VpZGUtcGFzc3dvcmQ=";

/// The guide's scrape → remote_write configuration (seed/000: the
/// `prometheus.scrape "fastapi"` block as printed, the remote-write endpoint
/// and credentials from the environment variables the guide defines, and the
/// `wal { max_age = "2h" }` of its troubleshooting section), with Grafana Cloud
/// replaced by a local Prometheus that enforces the basic auth and node_exporter
/// standing in for the API's `/metrics`.
const GUIDE_CONFIG: &str = r#"// Scrape Prometheus metrics
prometheus.scrape "fastapi" {
  targets = [
    {"__address__" = "API_ADDRESS"},
  ]
  forward_to = [prometheus.remote_write.default.receiver]
}

prometheus.remote_write "default" {
  endpoint {
    url = sys.env("PROMETHEUS_REMOTE_WRITE_URL")

    basic_auth {
      username = sys.env("PROMETHEUS_REMOTE_WRITE_USERNAME")
      password = sys.env("PROMETHEUS_REMOTE_WRITE_PASSWORD")
    }
  }

  // Reduce retention:
  wal {
    max_age = "2h"  // Instead of 4h
  }
}
"#;

#[test]
fn the_guides_scrape_to_remote_write_config_works_as_a_new_user_runs_it() {
    let dir = dir_with(&[]);
    let textfiles = dir.path().join("textfiles");
    std::fs::create_dir(&textfiles).unwrap();
    let api = Peer::node_exporter(dir.path(), &textfiles);
    let prometheus = Peer::prometheus(dir.path(), Some((WEB_CONFIG, BASIC_AUTH)));
    // Without the credentials, Prometheus refuses: what arrives came with them.
    assert_eq!(
        run_support::request(prometheus.addr, "GET", "/-/ready", &[]).status,
        401
    );

    let config = GUIDE_CONFIG.replace("API_ADDRESS", &api.addr.to_string());
    std::fs::write(dir.path().join("config.alloy"), config).unwrap();
    let url = format!("http://{}/api/v1/write", prometheus.addr);
    let alloy = Alloy::start_with_env(
        dir.path(),
        "config.alloy",
        &[],
        &[
            ("PROMETHEUS_REMOTE_WRITE_URL", url.as_str()),
            ("PROMETHEUS_REMOTE_WRITE_USERNAME", "alloy"),
            ("PROMETHEUS_REMOTE_WRITE_PASSWORD", "guide-password"),
        ],
    );
    alloy.wait_until(|| alloy.get("/-/ready").status == 200);
    // `max_age` is accepted, with a warning that names the standard attribute.
    alloy.wait_for_log(|log| log.contains("max_keepalive_time").then_some(()));

    // The default scrape interval is 60 s, and the first scrape may come up
    // to one interval after the start.
    let job = "prometheus.scrape.fastapi";
    eventually(Duration::from_secs(60) + DELIVERY, || {
        let up = prometheus.query(&format!("up{{job=\"{job}\"}}"));
        let series = prometheus.query(&format!("count({{job=\"{job}\"}})"));
        let count: f64 = series
            .first()
            .and_then(|r| r["value"][1].as_str())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0);
        let up_value = up.first().and_then(|r| r["value"][1].as_str());
        // node_exporter has hundreds of series on any Linux machine.
        if up_value == Some("1") && count > 100.0 {
            Ok(())
        } else {
            Err(format!(
                "up={up_value:?}, {count} series of job {job}\nferroalloy log:\n{}",
                alloy.log()
            ))
        }
    });
    let health = alloy
        .get("/api/v0/web/components/prometheus.remote_write.default")
        .json()["health"]["state"]
        .clone();
    assert_eq!(health, "healthy");
    // The write-ahead log lives under the default storage path.
    let wal = dir
        .path()
        .join("data-alloy/prometheus.remote_write.default");
    let entries = std::fs::read_dir(&wal)
        .unwrap_or_else(|e| panic!("{}: {e}", wal.display()))
        .count();
    assert!(entries > 0, "{} is empty", wal.display());
}
