//! `satchel upload` and `satchel resume`: the upload pipeline without a
//! window (and without looking for a display).
//!
//! Progress bars go to stderr when it is a terminal, nothing otherwise; the
//! result (Filestack's `onUploadDone` shape) goes to stdout. The exit status
//! is 0 only when every file landed, 1 when some did not, 2 when nothing
//! could start (a bad destination, an interrupted queue in the way).

use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use satchel_core::{
    default_state_dir, default_upload_dir, parse_destination_with, EventSink, FileStatus, NoEvents,
    Picker, Snapshot, Store, UploadDone, LOCAL_SOURCE,
};
use uuid::Uuid;

use crate::cli::{PickerArgs, Reach, Run};
use crate::settings;

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
        return fail("headless uploads are turned off by the system policy (headless = false)");
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
    let picker = Picker::new(destination, sink())
        .with_options(options)
        .with_spool_limits(effective.spool_limits)
        .with_store(store.clone(), spec);
    let picker = match run.concurrency {
        Some(files) => picker.with_concurrency(files),
        None => picker,
    };
    let added = picker.add_paths(files, LOCAL_SOURCE);
    for error in &added.errors {
        eprintln!("satchel: {}", error.message);
    }
    if added.added.is_empty() {
        let _ = store.clear();
        print_result(&picker.result());
        return ExitCode::from(1);
    }
    finish(&picker, &store, added.errors.is_empty())
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
        Ok(effective) if !effective.headless => {
            return fail("headless uploads are turned off by the system policy (headless = false)")
        }
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
    let picker = Picker::new(destination, sink())
        .with_options(options)
        .with_spool_limits(effective.spool_limits)
        .with_store(store.clone(), spec);
    let picker = match run.concurrency {
        Some(files) => picker.with_concurrency(files),
        None => picker,
    };
    picker.restore(queue);
    finish(&picker, &store, true)
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
fn finish(picker: &Picker, store: &Store, added_all: bool) -> ExitCode {
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

fn sink() -> Arc<dyn EventSink> {
    if std::io::stderr().is_terminal() {
        Arc::new(Bars::default())
    } else {
        Arc::new(NoEvents)
    }
}

/// One progress bar per file on stderr, drawn from the picker's snapshots.
#[derive(Default)]
struct Bars {
    multi: MultiProgress,
    bars: Mutex<HashMap<Uuid, ProgressBar>>,
}

impl EventSink for Bars {
    fn state_changed(&self, snapshot: &Snapshot) {
        let mut bars = self.bars.lock().unwrap_or_else(|p| p.into_inner());
        for file in &snapshot.files {
            if file.status == FileStatus::Queued {
                continue;
            }
            let bar = bars.entry(file.uuid).or_insert_with(|| {
                let bar = self.multi.add(ProgressBar::new(file.size));
                let style = ProgressStyle::with_template(
                    "{msg:30!} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar());
                bar.set_style(style.progress_chars("=> "));
                bar.set_message(file.filename.clone());
                bar
            });
            if bar.is_finished() {
                continue;
            }
            bar.set_position(file.transferred);
            match file.status {
                FileStatus::Done => bar.finish(),
                FileStatus::Failed => {
                    bar.abandon_with_message(format!("{} (failed)", file.filename))
                }
                _ => {}
            }
        }
    }
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
