//! The command line: what programs and the OS hand to Satchel.
//!
//! `satchel [FILES…]` opens the picker; `satchel upload` and `satchel resume`
//! run the same pipeline without a window. A file literally named `upload`
//! or `resume` is given as `./upload`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "satchel",
    version,
    about = "A desktop file picker and uploader",
    long_about = "Satchel opens a picker window: choose files from this machine, review them, \
                  and upload them to a destination (by default the folder \
                  $XDG_DATA_HOME/satchel/uploads). `satchel upload` and `satchel resume` \
                  upload without a window.",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Files or folders to preload into the picker (folders are added recursively).
    #[arg(value_name = "FILES")]
    pub files: Vec<PathBuf>,

    #[command(flatten)]
    pub to: To,

    #[command(flatten)]
    pub reach: Reach,

    /// When the window closes, print the result on stdout as JSON shaped like
    /// Filestack's onUploadDone payload: {"filesUploaded":[…],"filesFailed":[…]}.
    #[arg(long)]
    pub json: bool,

    /// Upload files as soon as they are added (Filestack's uploadInBackground):
    /// no Upload click needed, and files added during an upload join it.
    #[arg(long)]
    pub upload_in_background: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Upload files without a window: progress on stderr (when it is a
    /// terminal), the JSON result on stdout, exit status 0 only if every
    /// file landed. The queue is saved so `satchel resume` can finish it
    /// after a crash.
    Upload {
        /// Files or folders to upload (folders recursively).
        #[arg(value_name = "FILES", required = true)]
        files: Vec<PathBuf>,

        #[command(flatten)]
        to: To,

        #[command(flatten)]
        reach: Reach,

        #[command(flatten)]
        run: Run,
    },

    /// Finish the upload an interrupted `satchel upload` left behind, from
    /// what each server already has.
    Resume {
        #[command(flatten)]
        reach: Reach,

        #[command(flatten)]
        run: Run,

        /// Forget the interrupted upload instead of finishing it.
        #[arg(long)]
        discard: bool,
    },
}

#[derive(Debug, Args)]
pub struct To {
    /// Where uploads go: a folder path or file:// URL, tus+http(s)://host/files/,
    /// post+http(s)://host/upload, or s3://bucket/prefix/ (credentials and
    /// region from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION).
    #[arg(long = "to", value_name = "DEST")]
    pub to: Option<String>,
}

/// How to reach a destination besides its address.
#[derive(Debug, Args)]
pub struct Reach {
    /// The form field files are sent in, for post+http(s):// (default: file).
    #[arg(long, value_name = "NAME")]
    pub post_field: Option<String>,

    /// An extra request header for tus and POST destinations, as 'Name: value'.
    /// Repeat for more.
    #[arg(long = "header", value_name = "'NAME: VALUE'")]
    pub headers: Vec<String>,

    /// The S3 endpoint, for S3-compatible servers (over AWS_ENDPOINT_URL).
    #[arg(long, value_name = "URL")]
    pub s3_endpoint: Option<String>,
}

impl Reach {
    pub fn options(&self) -> satchel_core::DestinationOptions {
        satchel_core::DestinationOptions {
            post_field: self.post_field.clone(),
            headers: self.headers.clone(),
            s3_endpoint: self.s3_endpoint.clone(),
        }
    }
}

/// How a headless upload runs.
#[derive(Debug, Args)]
pub struct Run {
    /// Files sent at the same time.
    #[arg(long, value_name = "N", default_value_t = satchel_core::DEFAULT_CONCURRENCY)]
    pub concurrency: usize,
}
