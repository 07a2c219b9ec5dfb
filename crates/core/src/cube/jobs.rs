//! Jobs: the selections of events one run analyses — all events, encounters only, concern
//! reports only, one category, or a kind and a category together. Every job gets its own cube
//! from the same ingest pass, and runs the same statistics.

use crate::error::{Error, Result};
use crate::ingest::Categories;
use crate::ingest::event::Kind;

/// One selection of events, with the name its outputs go by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobSpec {
    /// Name: letters (any alphabet), digits, `_` and `-` (it names the job's output folder).
    pub name: String,
    /// Only events of this kind; `None`: both.
    pub kind: Option<Kind>,
    /// Only events with this category label; `None`: any (also none).
    pub category: Option<String>,
}

impl JobSpec {
    /// All events.
    pub fn all() -> Self {
        JobSpec { name: "all".into(), kind: None, category: None }
    }

    /// A job for `--kind` / `--category`, named after the selection: `all`, `encounter`,
    /// `concern`, `category-NAME` or `KIND-NAME`.
    pub fn select(kind: Option<Kind>, category: Option<&str>) -> Result<Self> {
        let name = match (kind, category) {
            (None, None) => "all".to_string(),
            (Some(k), None) => k.as_str().to_string(),
            (None, Some(c)) => format!("category-{}", sanitise(c)),
            (Some(k), Some(c)) => format!("{}-{}", k.as_str(), sanitise(c)),
        };
        JobSpec::new(name, kind, category.map(str::to_string))
    }

    /// A job with a checked name.
    pub fn new(name: String, kind: Option<Kind>, category: Option<String>) -> Result<Self> {
        if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '-') {
            return Err(Error::parameter(
                "job",
                format!("`{name}`"),
                "use letters (any alphabet), digits, `_` and `-` only in a job's name (it names the job's output folder)",
            ));
        }
        if let Some(c) = &category
            && c.trim().is_empty()
        {
            return Err(Error::parameter("job", format!("`{name}`"), "the category is empty"));
        }
        Ok(JobSpec { name, kind, category: category.map(|c| c.trim().to_string()) })
    }

    /// Whether every event `other` selects is one this job selects too, and this job selects
    /// more: a reader holding both jobs' counts could subtract one from the other.
    ///
    /// ```
    /// use hotspots_core::cube::JobSpec;
    /// let concern = JobSpec::select(Some(hotspots_core::ingest::event::Kind::Concern), None).unwrap();
    /// assert!(JobSpec::all().contains_strictly(&concern));
    /// assert!(!concern.contains_strictly(&JobSpec::all()));
    /// assert!(!JobSpec::all().contains_strictly(&JobSpec::all()));
    /// ```
    pub fn contains_strictly(&self, other: &JobSpec) -> bool {
        let kind = self.kind.is_none() || self.kind == other.kind;
        let category = self.category.is_none() || self.category == other.category;
        kind && category && (self.kind, &self.category) != (other.kind, &other.category)
    }

    /// A description for reports: `all events`, `concern reports, category substance`, ….
    pub fn describe(&self) -> String {
        let kind = match self.kind {
            None => "all events",
            Some(Kind::Encounter) => "encounters",
            Some(Kind::Concern) => "concern reports",
        };
        match &self.category {
            None => kind.to_string(),
            Some(c) => format!("{kind}, category {c}"),
        }
    }
}

/// A label as a folder name: letters (any alphabet: ä, ö, å) and digits kept, `-` kept, anything
/// else (`/`, `.`, spaces) as `_`.
fn sanitise(label: &str) -> String {
    label.trim().chars().map(|c| if c.is_alphanumeric() || c == '-' { c } else { '_' }).collect()
}

/// Checks a list of jobs: at least one, names distinct.
pub fn check_jobs(jobs: &[JobSpec]) -> Result<()> {
    if jobs.is_empty() {
        return Err(Error::parameter("jobs", "[]", "no job to run"));
    }
    let mut names: Vec<&str> = jobs.iter().map(|j| j.name.as_str()).collect();
    names.sort_unstable();
    if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
        return Err(Error::parameter("jobs", format!("`{}`", w[0]), "two jobs have this name"));
    }
    Ok(())
}

/// Decides job membership for events, with category labels resolved to the run's ids.
pub(crate) struct JobMatcher<'a> {
    jobs: &'a [JobSpec],
    category_ids: Vec<Option<Option<u32>>>,
}

impl<'a> JobMatcher<'a> {
    pub(crate) fn new(jobs: &'a [JobSpec]) -> Self {
        JobMatcher { jobs, category_ids: vec![None; jobs.len()] }
    }

    /// Refreshes the category ids (labels get ids as ingest first sees them).
    pub(crate) fn resolve(&mut self, categories: &Categories) {
        for (slot, job) in self.category_ids.iter_mut().zip(self.jobs) {
            *slot = job.category.as_deref().map(|c| categories.get(c));
        }
    }

    /// Whether job `j` takes event `e`.
    #[cfg(test)]
    pub(crate) fn matches(&self, j: usize, e: &crate::ingest::event::Event) -> bool {
        self.takes(j, e.kind, e.category)
    }

    /// Whether job `j` takes events of `kind` with the category id `category`.
    pub(crate) fn takes(&self, j: usize, kind: Kind, category: Option<u32>) -> bool {
        let job = &self.jobs[j];
        if job.kind.is_some_and(|k| k != kind) {
            return false;
        }
        match self.category_ids[j] {
            None => true,
            Some(None) => false,
            Some(Some(id)) => category == Some(id),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::event::Event;

    #[test]
    fn names_and_membership() {
        assert_eq!(JobSpec::select(None, None).unwrap().name, "all");
        assert_eq!(JobSpec::select(Some(Kind::Concern), None).unwrap().name, "concern");
        assert_eq!(JobSpec::select(None, Some("rough sleeping")).unwrap().name, "category-rough_sleeping");
        assert!(JobSpec::new("../x".into(), None, None).is_err());
        assert_eq!(JobSpec::new("päihteet".into(), None, None).unwrap().name, "päihteet");
        assert_eq!(
            JobSpec::select(None, Some("asunnottomuus / päihteet")).unwrap().name,
            "category-asunnottomuus___päihteet"
        );
        assert!(check_jobs(&[JobSpec::all(), JobSpec::all()]).is_err());

        let mut cats = Categories::default();
        let substance = cats.intern("substance");
        let jobs = [JobSpec::all(), JobSpec::select(Some(Kind::Concern), Some("substance")).unwrap()];
        let mut m = JobMatcher::new(&jobs);
        m.resolve(&cats);
        let e = Event { lat: 60.0, lon: 25.0, time_us: 0, kind: Kind::Concern, category: substance, weight: 1.0 };
        assert!(m.matches(0, &e) && m.matches(1, &e));
        let other = Event { kind: Kind::Encounter, ..e };
        assert!(m.matches(0, &other) && !m.matches(1, &other));
        let uncategorised = Event { category: None, ..e };
        assert!(!m.matches(1, &uncategorised));
    }
}
