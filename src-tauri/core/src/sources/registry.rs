//! The custom sources of one picker, by the id their frame was given: what
//! each said about itself, the sidebar they make, and their lifecycle.
//!
//! When working on the lifecycle, keep in mind:
//! - a source acts only while its frame is mounted, and has at most
//!   [`MAX_IN_FLIGHT`] requests waiting at once; both are decided here, from
//!   what the host reported, whatever the frame or the page does;
//! - a request is admitted once, when it arrives ([`SourceRegistry::admit`]),
//!   and holds its [`Ticket`] until it is answered: unmounting refuses new
//!   requests but lets the admitted ones finish.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use serde::Serialize;

use super::{Descriptor, SourceCapabilities, SourceFile};
use crate::source_icon::{Icon, MAX_ICON};
use crate::{Error, Result};

/// What the sidebar shows for one custom source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SourceEntry {
    pub id: u32,
    /// The file the source was loaded from, for error messages.
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub icon: Option<Icon>,
    /// Why the source's icon is not shown (the default one is), when it is not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub icon_error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One row of the sidebar: a built-in source or a custom one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum SidebarItem {
    Builtin { name: String },
    Custom(SourceEntry),
}

/// The custom sources of this picker, by the id their frame was given.
/// Names are unique: the first source to claim one keeps it.
#[derive(Debug, Default)]
pub struct SourceRegistry {
    files: Vec<SourceFile>,
    entries: Vec<SourceEntry>,
    /// Each frame's lifecycle, by id, shared with the tickets it handed out.
    lives: Vec<Arc<Lifecycle>>,
    /// The built-in sources offered (the policy's `builtinSources`).
    builtins: Vec<String>,
    capabilities: SourceCapabilities,
}

/// Requests (actions and chunks) one source may have waiting at once; more
/// are refused at once, so a flood queues nothing.
pub const MAX_IN_FLIGHT: usize = 32;

/// Whether a frame is mounted, and how many of its requests are waiting.
#[derive(Debug, Default)]
struct Lifecycle {
    mounted: AtomicBool,
    in_flight: AtomicUsize,
}

/// One admitted request of a source; it stops counting against the
/// source's [`MAX_IN_FLIGHT`] when dropped (answered, or given up).
#[derive(Debug)]
pub struct Ticket(Arc<Lifecycle>);

impl Drop for Ticket {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Longest error text a frame may report about itself.
const MAX_ERROR: usize = 2000;

impl SourceRegistry {
    pub fn new(files: Vec<SourceFile>) -> Self {
        let entries = files
            .iter()
            .enumerate()
            .map(|(id, f)| SourceEntry {
                id: id as u32,
                file: f.path.display().to_string(),
                name: None,
                label: None,
                icon: None,
                icon_error: None,
                error: None,
            })
            .collect();
        SourceRegistry {
            lives: files.iter().map(|_| Arc::default()).collect(),
            files,
            entries,
            builtins: crate::BUILTIN_SOURCES
                .iter()
                .map(|s| s.to_string())
                .collect(),
            capabilities: SourceCapabilities::default(),
        }
    }

    /// Offers only these built-in sources (the policy's `builtinSources`).
    pub fn with_builtins(mut self, builtins: Vec<String>) -> Self {
        self.builtins = builtins
            .into_iter()
            .filter(|b| crate::BUILTIN_SOURCES.contains(&b.as_str()))
            .collect();
        self
    }

    /// Lets custom sources do only what the policy allows.
    pub fn with_capabilities(mut self, capabilities: SourceCapabilities) -> Self {
        self.capabilities = capabilities;
        self
    }

    /// What custom sources may do besides the actions.
    pub fn capabilities(&self) -> SourceCapabilities {
        self.capabilities
    }

    /// Whether a built-in source is offered.
    pub fn offers(&self, builtin: &str) -> bool {
        self.builtins.iter().any(|b| b == builtin)
    }

    pub fn file(&self, id: u32) -> Result<&SourceFile> {
        self.files
            .get(id as usize)
            .ok_or_else(|| Error::UnknownSource(id.to_string()))
    }

    /// Records what a frame's code said about itself, once.
    pub fn loaded(&mut self, id: u32, descriptor_json: &str) -> Result<SourceEntry> {
        let entry = self.entry(id)?.clone();
        if entry.name.is_some() || entry.error.is_some() {
            return Err(Error::BadRequest(format!("source {id} already reported")));
        }
        let outcome = self.check(&entry.file, descriptor_json);
        let path = self.file(id)?.path.clone();
        let slot = &mut self.entries[id as usize];
        match outcome {
            Ok(d) => {
                match d
                    .icon
                    .as_deref()
                    .map(|raw| crate::source_icon::resolve(raw, &path))
                {
                    Some(Ok(icon)) => slot.icon = Some(icon),
                    Some(Err(why)) => slot.icon_error = Some(why),
                    None => {}
                }
                slot.name = Some(d.name());
                slot.label = Some(d.label);
                Ok(slot.clone())
            }
            Err(e) => {
                slot.error = Some(e.to_string());
                Err(e)
            }
        }
    }

    /// Records that a frame could not load or mount its source.
    pub fn failed(&mut self, id: u32, message: &str) -> Result<()> {
        let file = self.entry(id)?.file.clone();
        let message: String = message
            .chars()
            .filter(|c| !c.is_control())
            .take(MAX_ERROR)
            .collect();
        self.entries[id as usize].error = Some(format!("{file}: {message}"));
        Ok(())
    }

    /// The name a loaded source acts as; refused for sources that failed.
    pub fn name(&self, id: u32) -> Result<&str> {
        let entry = self.entry(id)?;
        match (&entry.name, &entry.error) {
            (Some(name), None) => Ok(name),
            _ => Err(Error::UnknownSource(entry.file.clone())),
        }
    }

    /// Entries in `from_sources` order: loaded sources the list names, then
    /// sources still loading or broken (so their errors are seen). An empty
    /// list shows every source in load order.
    pub fn ordered(&self, from_sources: &[String]) -> Vec<SourceEntry> {
        if from_sources.is_empty() {
            return self.entries.clone();
        }
        let mut shown: Vec<SourceEntry> = from_sources
            .iter()
            .filter_map(|n| {
                self.entries
                    .iter()
                    .find(|e| e.name.as_ref() == Some(n) && e.error.is_none())
            })
            .cloned()
            .collect();
        shown.extend(
            self.entries
                .iter()
                .filter(|e| e.name.is_none() || e.error.is_some())
                .cloned(),
        );
        shown
    }

    /// The whole sidebar in `from_sources` order (empty: built-ins, then
    /// every custom source), with broken or loading sources at the end.
    pub fn sidebar(&self, from_sources: &[String]) -> Vec<SidebarItem> {
        let builtin = |name: &str| SidebarItem::Builtin {
            name: name.to_owned(),
        };
        let offered = |n: &str| self.builtins.iter().any(|b| b == n);
        let mut items: Vec<SidebarItem> = if from_sources.is_empty() {
            self.builtins.iter().map(|n| builtin(n)).collect()
        } else {
            from_sources
                .iter()
                .filter(|n| offered(n) || self.entries.iter().any(|e| e.name.as_ref() == Some(n)))
                .map(|n| {
                    match self
                        .entries
                        .iter()
                        .find(|e| e.name.as_ref() == Some(n) && e.error.is_none())
                    {
                        Some(entry) => SidebarItem::Custom(entry.clone()),
                        None => builtin(n),
                    }
                })
                .filter(|item| !matches!(item, SidebarItem::Builtin { name } if !offered(name)))
                .collect()
        };
        let customs = self
            .ordered(from_sources)
            .into_iter()
            .map(SidebarItem::Custom);
        for item in customs {
            if !items.contains(&item) {
                items.push(item);
            }
        }
        items
    }

    pub fn entries(&self) -> &[SourceEntry] {
        &self.entries
    }

    /// The host showed frame `id` and told its source `mounted`: from now on
    /// it may act.
    pub fn mount(&self, id: u32) -> Result<()> {
        self.life(id)?.mounted.store(true, Ordering::SeqCst);
        Ok(())
    }

    /// The host hid frame `id` (or its source said it unmounted): new
    /// requests are refused; those admitted before still finish.
    pub fn unmount(&self, id: u32) -> Result<()> {
        self.life(id)?.mounted.store(false, Ordering::SeqCst);
        Ok(())
    }

    pub fn is_mounted(&self, id: u32) -> bool {
        self.life(id)
            .is_ok_and(|life| life.mounted.load(Ordering::SeqCst))
    }

    /// Lets one request of frame `id` in: its source must have loaded
    /// cleanly and be mounted, with fewer than [`MAX_IN_FLIGHT`] requests
    /// waiting. Returns the name the source acts as and the ticket to hold
    /// until the request is answered.
    pub fn admit(&self, id: u32) -> Result<(String, Ticket)> {
        let name = self.name(id)?.to_owned();
        let life = self.life(id)?;
        if !life.mounted.load(Ordering::SeqCst) {
            return Err(Error::NotMounted);
        }
        life.in_flight
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n < MAX_IN_FLIGHT).then_some(n + 1)
            })
            .map_err(|_| Error::TooManyRequests { max: MAX_IN_FLIGHT })?;
        Ok((name, Ticket(life.clone())))
    }

    fn life(&self, id: u32) -> Result<&Arc<Lifecycle>> {
        self.lives
            .get(id as usize)
            .ok_or_else(|| Error::UnknownSource(id.to_string()))
    }

    fn entry(&self, id: u32) -> Result<&SourceEntry> {
        self.entries
            .get(id as usize)
            .ok_or_else(|| Error::UnknownSource(id.to_string()))
    }

    fn check(&self, file: &str, descriptor_json: &str) -> Result<Descriptor> {
        if descriptor_json.len() > MAX_ICON + 4096 {
            return Err(Error::BadSource {
                file: file.to_owned(),
                reason: "its description is too large".into(),
            });
        }
        let d: Descriptor =
            serde_json::from_str(descriptor_json).map_err(|e| Error::BadSource {
                file: file.to_owned(),
                reason: e.to_string(),
            })?;
        d.validate(file)?;
        let name = d.name();
        if self
            .entries
            .iter()
            .any(|e| e.name.as_deref() == Some(&name))
        {
            return Err(Error::BadSource {
                file: file.to_owned(),
                reason: format!("another source is already named {name:?}"),
            });
        }
        Ok(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registry(n: usize) -> SourceRegistry {
        SourceRegistry::new(
            (0..n)
                .map(|i| SourceFile {
                    scripts: vec![],
                    path: format!("/s/{i}.js").into(),
                    connect: vec![],
                    pin: None,
                    auth: None,
                    shipped: None,
                })
                .collect(),
        )
    }

    #[test]
    fn names_are_unique_and_reported_once() {
        let mut r = registry(3);
        r.loaded(0, r#"{"name":"a","label":"A"}"#).unwrap();
        let dup = r.loaded(1, r#"{"name":"a","label":"A2"}"#).unwrap_err();
        assert!(dup.to_string().contains("/s/1.js") && dup.to_string().contains("already named"));
        assert!(r.loaded(0, r#"{"name":"b","label":"B"}"#).is_err());
        assert_eq!(r.name(0).unwrap(), "a");
        assert!(r.name(1).is_err());
        assert!(r.name(2).is_err(), "not loaded yet");
        assert!(r.loaded(9, "{}").is_err());
    }

    #[test]
    fn order_follows_from_sources_and_keeps_broken_ones_visible() {
        let mut r = registry(3);
        r.loaded(0, r#"{"name":"a","label":"A"}"#).unwrap();
        r.loaded(1, r#"{"name":"b","label":"B"}"#).unwrap();
        r.failed(2, "SyntaxError: Unexpected token").unwrap();
        let order: Vec<_> = r
            .ordered(&["b".into(), "local_file_system".into(), "a".into()])
            .into_iter()
            .map(|e| e.name.unwrap_or(e.file))
            .collect();
        assert_eq!(order, ["b", "a", "/s/2.js"]);
        let hidden = r.ordered(&["a".into()]);
        assert_eq!(
            hidden.len(),
            2,
            "b is not listed; the broken one still shows"
        );
        assert!(r.entries()[2]
            .error
            .as_ref()
            .unwrap()
            .starts_with("/s/2.js: SyntaxError"));
        assert_eq!(
            r.ordered(&[]).len(),
            3,
            "no list: everything, in load order"
        );
        let names = |items: Vec<SidebarItem>| -> Vec<String> {
            items
                .into_iter()
                .map(|i| match i {
                    SidebarItem::Builtin { name } => name,
                    SidebarItem::Custom(e) => e.name.unwrap_or(e.file),
                })
                .collect()
        };
        assert_eq!(
            names(r.sidebar(&[])),
            ["local_file_system", "url", "a", "b", "/s/2.js"]
        );
        let list = [
            "b".to_string(),
            "local_file_system".to_string(),
            "nope".to_string(),
        ];
        assert_eq!(
            names(r.sidebar(&list)),
            ["b", "local_file_system", "/s/2.js"]
        );
    }

    #[test]
    fn a_source_acts_only_while_mounted_and_admitted_requests_finish() {
        let mut r = registry(2);
        r.loaded(0, r#"{"name":"a","label":"A"}"#).unwrap();
        assert_eq!(r.admit(0).unwrap_err().kind(), "notMounted");
        r.mount(0).unwrap();
        let (name, before) = r.admit(0).unwrap();
        assert_eq!(name, "a");
        r.unmount(0).unwrap();
        let err = r.admit(0).unwrap_err();
        assert_eq!(err.kind(), "notMounted");
        assert!(err.to_string().contains("the source is not open"), "{err}");
        // Admitted before unmounting: it still counts, and goes on.
        assert_eq!(r.lives[0].in_flight.load(Ordering::SeqCst), 1);
        drop(before);
        assert_eq!(r.lives[0].in_flight.load(Ordering::SeqCst), 0);
        // Mounted but never loaded (or broken): no name to act as.
        r.mount(1).unwrap();
        assert_eq!(r.admit(1).unwrap_err().kind(), "unknownSource");
        assert!(r.mount(7).is_err() && r.admit(7).is_err());
    }

    #[test]
    fn at_most_max_in_flight_requests_wait_at_once() {
        let mut r = registry(1);
        r.loaded(0, r#"{"name":"a","label":"A"}"#).unwrap();
        r.mount(0).unwrap();
        let mut waiting: Vec<Ticket> = (0..MAX_IN_FLIGHT).map(|_| r.admit(0).unwrap().1).collect();
        let err = r.admit(0).unwrap_err();
        assert_eq!(err.kind(), "tooManyRequests");
        assert!(err.to_string().contains("too many requests"), "{err}");
        // One answered: one more may come.
        waiting.pop();
        waiting.push(r.admit(0).unwrap().1);
        assert!(r.admit(0).is_err());
    }

    #[test]
    fn descriptors_are_checked() {
        let mut r = registry(2);
        let err = r
            .loaded(0, r#"{"name":"a","label":"A","extra":1}"#)
            .unwrap_err();
        assert_eq!(err.kind(), "badSource");
        let err = r.loaded(1, r#"{"name":"a b","label":"A"}"#).unwrap_err();
        assert!(err.to_string().contains("letters, digits"), "{err}");
    }
}
