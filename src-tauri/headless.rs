//! `satchel upload` and `satchel resume`: the upload pipeline without a
//! window (and without looking for a display).
//!
//! Progress bars go to stderr when it is a terminal, nothing otherwise; the
//! result (Filestack's `onUploadDone` shape) goes to stdout. The exit status
//! is 0 only when every file landed, 1 when some did not, 2 when nothing
//! could start (a bad destination, an interrupted queue in the way).

use std::collections::{HashMap, HashSet};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use satchel_core::config::Effective;
use satchel_core::{
    default_state_dir, default_upload_dir, parse_destination_with, EventSink, FileStatus, NoEvents,
    Picker, Snapshot, Store, UploadDone, LOCAL_SOURCE,
};
use uuid::Uuid;

use crate::cli::{PickerArgs, Reach, Run};
use crate::settings;

/// Says which file turned headless uploads off: the policy, or the user's own
/// config (naming the policy for a user's setting sends them to the wrong file).
fn headless_off(effective: &Effective) -> ExitCode {
    let by = effective
        .origins
        .get("headless")
        .map_or_else(|| "the configuration".to_owned(), ToString::to_string);
    fail(&format!(
        "headless uploads are turned off by {by} (headless = false)"
    ))
}

/// `satchel upload --to DEST FILES…`
pub fn upload(files: &[PathBuf], args: &PickerArgs, reach: &Reach, run: &Run) -> ExitCode {
    one_malloc_arena();
    // The same layers as the window: policy, user config, command line.
    let effective = match settings::load(args) {
        Ok(effective) => effective,
        Err(message) => return fail(&message),
    };
    for notice in &effective.notices {
        eprintln!("satchel: warning: {}", notice.message);
    }
    if !effective.headless {
        return headless_off(&effective);
    }
    let spec = effective
        .destination
        .clone()
        .unwrap_or_else(|| default_upload_dir().display().to_string());
    if let Err(e) = effective.check_s3_endpoint(&spec, reach.s3_endpoint.as_deref()) {
        return fail(&e.to_string());
    }
    let destination = match parse_destination_with(&spec, &settings::reach_options(reach)) {
        Ok(d) => d,
        Err(e) => return fail(&e.to_string()),
    };
    let store = Store::new(default_state_dir());
    match store.load() {
        Ok(Some(queue)) if queue.unfinished() > 0 => {
            return fail(&format!(
                "an interrupted upload of {} file(s) to {} is waiting: run `satchel resume` \
                 to finish it, or `satchel resume --discard` to drop it",
                queue.unfinished(),
                queue.destination
            ));
        }
        Ok(_) => {}
        // Already set aside; say so and go on with the new upload.
        Err(e) => eprintln!("satchel: {e}"),
    }
    let mut options = effective.options;
    // Nobody is there to place a crop: the configured ratio crops centred.
    options.image.headless = true;
    let (sink, bars) = sink();
    let picker = Picker::new(destination, sink)
        .with_options(options)
        .with_spool_limits(effective.spool_limits)
        .with_store(store.clone(), spec);
    let picker = shown(picker, run, bars.as_deref());
    let added = picker.add_paths(files, LOCAL_SOURCE);
    for error in &added.errors {
        eprintln!("satchel: {}", error.message);
    }
    if added.added.is_empty() {
        let _ = store.clear();
        print_result(&picker.result());
        return ExitCode::from(1);
    }
    finish(&picker, &store, added.errors.is_empty(), bars.as_deref())
}

/// `satchel resume`
pub fn resume(reach: &Reach, run: &Run, discard: bool) -> ExitCode {
    one_malloc_arena();
    let store = Store::new(default_state_dir());
    let queue = match store.load() {
        Ok(Some(queue)) => queue,
        Ok(None) => {
            eprintln!("satchel: nothing to resume");
            print_result(&UploadDone::default());
            return ExitCode::SUCCESS;
        }
        Err(e) => return fail(&e.to_string()),
    };
    let effective = match settings::load(&PickerArgs::default()) {
        Ok(effective) if !effective.headless => return headless_off(&effective),
        Ok(effective) => effective,
        Err(message) => return fail(&message),
    };
    // The policy in force now holds for a queue saved before it: refused
    // before anything is sent (a discard then only forgets it here, without
    // contacting a destination the policy does not allow).
    let allowed = effective.check_saved_queue(&queue).and_then(|()| {
        effective.check_s3_endpoint(&queue.destination, reach.s3_endpoint.as_deref())
    });
    if let Err(e) = allowed {
        if discard {
            eprintln!("satchel: not contacting {}: {e}", queue.destination);
            return forget(&store);
        }
        return fail(&format!(
            "the interrupted upload cannot be resumed: {e} (`satchel resume --discard` drops it)"
        ));
    }
    // Pictures not yet processed are, with the options in force now.
    let mut options = effective.options.clone();
    options.image.headless = true;
    let destination =
        match parse_destination_with(&queue.destination, &settings::reach_options(reach)) {
            Ok(d) => d,
            Err(e) if discard => {
                eprintln!(
                    "satchel: cannot reach {} to clean up: {e}",
                    queue.destination
                );
                return forget(&store);
            }
            Err(e) => return fail(&e.to_string()),
        };
    if discard {
        // What the servers hold of unfinished uploads goes too.
        if let Some(runtime) = runtime() {
            for file in queue.files.iter().filter(|f| f.status != FileStatus::Done) {
                if let Some(state) = &file.resume {
                    if let Err(e) = runtime.block_on(destination.discard(state.clone())) {
                        eprintln!("satchel: {}: {e}", file.filename);
                    }
                }
            }
        }
        return forget(&store);
    }
    let spec = queue.destination.clone();
    // Pictures not processed before the crash get the policy's and the
    // config's picture options (the first run's flags are not saved).
    let (sink, bars) = sink();
    let picker = Picker::new(destination, sink)
        .with_options(options)
        .with_spool_limits(effective.spool_limits)
        .with_store(store.clone(), spec);
    let picker = shown(picker, run, bars.as_deref());
    picker.restore(queue);
    finish(&picker, &store, true, bars.as_deref())
}

/// The picker with `--concurrency` applied, shown to the progress bars.
fn shown(picker: Picker, run: &Run, bars: Option<&Bars>) -> Arc<Picker> {
    let picker = Arc::new(match run.concurrency {
        Some(files) => picker.with_concurrency(files),
        None => picker,
    });
    if let Some(bars) = bars {
        bars.watch(&picker);
    }
    picker
}

fn forget(store: &Store) -> ExitCode {
    match store.clear() {
        Ok(()) => {
            eprintln!("satchel: dropped the interrupted upload");
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e.to_string()),
    }
}

/// A headless upload allocates on many threads (the runtime's workers and
/// its blocking pool), and glibc gives threads arenas of their own: with
/// 30,000 files they held more than twice the heap (`./x bench` figure 8).
/// One arena keeps the peak near the heap, no slower. Called before any
/// thread starts.
fn one_malloc_arena() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets a tunable of glibc's allocator; no thread
    // but this one exists yet.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}

fn runtime() -> Option<tokio::runtime::Runtime> {
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => Some(runtime),
        Err(e) => {
            eprintln!("satchel: cannot start the upload: {e}");
            None
        }
    }
}

/// Runs the upload, prints the result and turns it into an exit status.
fn finish(picker: &Picker, store: &Store, added_all: bool, bars: Option<&Bars>) -> ExitCode {
    let Some(runtime) = runtime() else {
        return ExitCode::from(2);
    };
    let done = if picker.all_done() {
        picker.result()
    } else {
        match runtime.block_on(picker.upload()) {
            Ok(done) => done,
            Err(e) => {
                // The queue stays saved: `satchel resume` can try again.
                eprintln!("satchel: {e}");
                print_result(&picker.result());
                return ExitCode::from(1);
            }
        }
    };
    if let Some(bars) = bars {
        bars.draw(true);
    }
    // Pictures sent unchanged because they could not be processed.
    for notice in picker.notices() {
        if notice.error.kind == "imageSkipped" {
            eprintln!("satchel: warning: {}", notice.error.message);
        }
    }
    for failed in &done.files_failed {
        if let Some(error) = &failed.error {
            eprintln!("satchel: {}: {}", failed.filename, error.message);
        }
    }
    print_result(&done);
    if done.files_failed.is_empty() {
        // Everything queued landed: nothing left to resume.
        if let Err(e) = store.clear() {
            eprintln!("satchel: {e}");
        }
    }
    if done.files_failed.is_empty() && added_all {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn print_result(done: &UploadDone) {
    crate::output::json_line(done);
}

fn fail(message: &str) -> ExitCode {
    eprintln!("satchel: {message}");
    ExitCode::from(2)
}

/// The event sink: progress bars when stderr is a terminal (returned too,
/// to be shown the picker and drawn a last time), nothing otherwise.
fn sink() -> (Arc<dyn EventSink>, Option<Arc<Bars>>) {
    if std::io::stderr().is_terminal() {
        let bars = Arc::new(Bars::default());
        (bars.clone(), Some(bars))
    } else {
        (Arc::new(NoEvents), None)
    }
}

/// The bars are drawn at most this often.
const DRAW_INTERVAL: Duration = Duration::from_millis(100);

/// Progress on stderr: one bar for the whole queue (files through of all)
/// and one for each file being sent, drawn at most ten times a second from
/// a look at the files in flight ([`Picker::sending`]): never a copy of the
/// whole queue per change, nor a bar per file of 100,000.
#[derive(Default)]
struct Bars {
    multi: MultiProgress,
    picker: OnceLock<Weak<Picker>>,
    drawn: Mutex<Drawn>,
}

#[derive(Default)]
struct Drawn {
    at: Option<Instant>,
    total: Option<ProgressBar>,
    files: HashMap<Uuid, ProgressBar>,
}

impl EventSink for Bars {
    fn state_changed(&self, _: &Snapshot) {}

    fn wants_snapshots(&self) -> bool {
        false
    }

    fn changed(&self) {
        self.draw(false);
    }
}

impl Bars {
    fn watch(&self, picker: &Arc<Picker>) {
        let _ = self.picker.set(Arc::downgrade(picker));
    }

    /// Draws the files being sent; `last` draws even when the bars were
    /// drawn just now, and finishes them.
    fn draw(&self, last: bool) {
        let mut drawn = self.drawn.lock().unwrap_or_else(|p| p.into_inner());
        if !last && drawn.at.is_some_and(|at| at.elapsed() < DRAW_INTERVAL) {
            return;
        }
        let Some(picker) = self.picker.get().and_then(Weak::upgrade) else {
            return;
        };
        drawn.at = Some(Instant::now());
        let sending = picker.sending();
        let total = drawn.total.get_or_insert_with(|| {
            let bar = self.multi.add(ProgressBar::new(0));
            bar.set_style(style("{pos}/{len} files [{bar:30}] {elapsed}"));
            bar
        });
        total.set_length(sending.total as u64);
        total.set_position(sending.through as u64);
        if last {
            total.finish();
        }
        // A file no longer being sent loses its bar: landed, it is counted
        // above; failed, it is named when the upload ends.
        let now: HashSet<Uuid> = sending.files.iter().map(|f| f.uuid).collect();
        drawn.files.retain(|uuid, bar| {
            let keep = now.contains(uuid) && !last;
            if !keep {
                bar.finish_and_clear();
                self.multi.remove(bar);
            }
            keep
        });
        if last {
            return;
        }
        for file in &sending.files {
            let bar = drawn.files.entry(file.uuid).or_insert_with(|| {
                let bar = self.multi.add(ProgressBar::new(file.size));
                bar.set_style(style(
                    "{msg:30!} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
                ));
                bar.set_message(file.filename.clone());
                bar
            });
            bar.set_position(file.transferred);
        }
    }
}

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use crate::cli::{Cli, Command};

    fn concurrency(args: &[&str]) -> Option<usize> {
        let cli = Cli::try_parse_from(args);
        let Ok(Cli {
            command: Some(Command::Upload { run, .. }),
            ..
        }) = cli
        else {
            panic!("not an upload: {cli:?}");
        };
        run.concurrency
    }

    #[test]
    fn upload_sends_as_the_window_does_unless_told_a_number() {
        // None: the core's default, small files sharing slots.
        assert_eq!(concurrency(&["satchel", "upload", "--to", "/o", "a"]), None);
        let told = ["satchel", "upload", "--concurrency", "2", "--to", "/o", "a"];
        assert_eq!(concurrency(&told), Some(2));
    }
}
