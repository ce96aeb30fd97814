//! The discovery endpoints: `/api/v1/series`, `/api/v1/labels`,
//! `/api/v1/label/<name>/values`, `/api/v1/metadata` and
//! `/api/v1/status/buildinfo`.

use super::params::{Params, invalid};
use super::{Api, ApiError, json, success};
use crate::storage::querier::storage_matchers;
use axum::extract::{Path, State};
use axum::response::Response;
use model::labels::Labels;
use promql::LabelMatcher;
use std::collections::BTreeSet;
use std::sync::Arc;

/// The time range of a discovery request (all time by default).
fn time_range(params: &Params) -> Result<(i64, i64), ApiError> {
    let start = params.time("start", Some(i64::MIN))?;
    let end = params.time("end", Some(i64::MAX))?;
    if end < start {
        return Err(invalid(
            "end",
            "end timestamp must not be before start time",
        ));
    }
    Ok((start, end))
}

/// The storage matchers of every `match[]` group (none: no `match[]`).
fn matcher_groups(params: &Params) -> Result<Vec<Vec<tsdb::Matcher>>, ApiError> {
    let groups: Vec<Vec<LabelMatcher>> = params.selectors()?.into_iter().flatten().collect();
    groups
        .iter()
        .map(|g| storage_matchers(g).map_err(|e| invalid("match[]", e)))
        .collect()
}

/// Cuts `items` to `limit` (0: no limit), with Prometheus's warning when it did.
fn apply_limit<T>(items: &mut Vec<T>, limit: usize) -> Vec<String> {
    if limit > 0 && items.len() > limit {
        items.truncate(limit);
        vec!["results truncated due to limit".to_string()]
    } else {
        Vec::new()
    }
}

/// `GET|POST /api/v1/series`: the label sets of the series `match[]` selects.
pub async fn series(State(api): State<Arc<Api>>, params: Params) -> Result<Response, ApiError> {
    let groups = matcher_groups(&params)?;
    if groups.is_empty() {
        return Err(ApiError::BadData("no match[] parameter provided".into()));
    }
    let (start, end) = time_range(&params)?;
    let limit = params.limit("limit")?;
    let mut found = on_db(&api, move |db| {
        let mut found: BTreeSet<Arc<Labels>> = BTreeSet::new();
        for group in &groups {
            found.extend(db.select(group, start, end).into_iter().map(|s| s.labels));
        }
        found.into_iter().collect::<Vec<_>>()
    })
    .await?;
    let warnings = apply_limit(&mut found, limit);
    let mut data = String::from("[");
    for (i, labels) in found.iter().enumerate() {
        if i > 0 {
            data.push(',');
        }
        json::labels(&mut data, labels);
    }
    data.push(']');
    Ok(success(&data, &warnings, &[]))
}

/// `GET|POST /api/v1/labels`: the label names, of the `match[]` series if given.
pub async fn labels(State(api): State<Arc<Api>>, params: Params) -> Result<Response, ApiError> {
    let groups = matcher_groups(&params)?;
    let (start, end) = time_range(&params)?;
    let names = on_db(&api, move |db| {
        collect_sorted(&groups, |group| db.label_names(group, start, end))
    })
    .await?;
    strings_response(names, params.limit("limit")?)
}

/// `GET /api/v1/label/<name>/values`: the values of one label. The path
/// parameters are read as a list: under the main server's component mount
/// the outer route's parameters come along.
pub async fn label_values(
    State(api): State<Arc<Api>>,
    Path(path): Path<Vec<(String, String)>>,
    params: Params,
) -> Result<Response, ApiError> {
    let name = path
        .into_iter()
        .rev()
        .find_map(|(key, value)| (key == "name").then_some(value))
        .unwrap_or_default();
    if !model::relabel::is_valid_label_name(&name) {
        return Err(ApiError::BadData(format!("invalid label name: {name:?}")));
    }
    let groups = matcher_groups(&params)?;
    let (start, end) = time_range(&params)?;
    let values = on_db(&api, move |db| {
        collect_sorted(&groups, |group| db.label_values(&name, group, start, end))
    })
    .await?;
    strings_response(values, params.limit("limit")?)
}

/// Runs an index lookup on the blocking pool: over many series it takes a while.
async fn on_db<T: Send + 'static>(
    api: &Api,
    lookup: impl FnOnce(&tsdb::Db) -> T + Send + 'static,
) -> Result<T, ApiError> {
    let db = api.db()?;
    tokio::task::spawn_blocking(move || lookup(&db))
        .await
        .map_err(|e| ApiError::Internal(format!("index lookup failed: {e}")))
}

/// The union of `lookup` over the matcher groups (all series when there are none), sorted.
fn collect_sorted(
    groups: &[Vec<tsdb::Matcher>],
    lookup: impl Fn(&[tsdb::Matcher]) -> Vec<String>,
) -> Vec<String> {
    if groups.is_empty() {
        return lookup(&[]);
    }
    let all: BTreeSet<String> = groups.iter().flat_map(|g| lookup(g)).collect();
    all.into_iter().collect()
}

fn strings_response(mut items: Vec<String>, limit: usize) -> Result<Response, ApiError> {
    let warnings = apply_limit(&mut items, limit);
    let mut data = String::new();
    json::strings(&mut data, items.iter().map(String::as_str));
    Ok(success(&data, &warnings, &[]))
}

/// `GET /api/v1/metadata`: type, help and unit per metric family (`metric`,
/// `limit` families, `limit_per_metric` entries — we keep one per family).
pub async fn metadata(State(api): State<Arc<Api>>, params: Params) -> Result<Response, ApiError> {
    let limit = params.limit("limit")?;
    let mut families = api.metadata.families(params.get("metric"));
    apply_limit(&mut families, limit);
    let mut data = String::from("{");
    for (i, (name, m)) in families.iter().enumerate() {
        if i > 0 {
            data.push(',');
        }
        json::string(&mut data, name);
        data.push_str(":[{\"type\":");
        json::string(&mut data, m.metric_type.as_str());
        data.push_str(",\"help\":");
        json::string(&mut data, &m.help);
        data.push_str(",\"unit\":");
        json::string(&mut data, &m.unit);
        data.push_str("}]");
    }
    data.push('}');
    Ok(success(&data, &[], &[]))
}

/// `GET /api/v1/status/buildinfo`: ferroalloy's version (Grafana reads this
/// to tell which flavour of Prometheus API it talks to).
pub async fn buildinfo() -> Response {
    let mut data = String::from("{\"version\":");
    json::string(&mut data, env!("CARGO_PKG_VERSION"));
    data.push_str(",\"revision\":\"\",\"branch\":\"\",\"buildUser\":\"\",\"buildDate\":\"\",\"goVersion\":\"\"}");
    success(&data, &[], &[])
}
